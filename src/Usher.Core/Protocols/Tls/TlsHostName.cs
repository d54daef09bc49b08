namespace Usher.Protocols.Tls;

/// <summary>An SNI host name: ASCII labels of letters, digits, hyphens and underscores separated by single dots, no
/// leading or trailing dot (RFC 6066 3: no trailing dot; IDNs arrive as A-labels).</summary>
internal static class TlsHostName
{
    internal static bool IsValid(ReadOnlySpan<byte> host)
    {
        var previous = (byte)'.';
        foreach (var b in host)
        {
            var ok = b switch
            {
                >= (byte)'a' and <= (byte)'z' => true,
                >= (byte)'A' and <= (byte)'Z' => true,
                >= (byte)'0' and <= (byte)'9' => true,
                (byte)'-' or (byte)'_' => true,
                (byte)'.' => previous != (byte)'.',
                _ => false,
            };
            if (!ok)
            {
                return false;
            }

            previous = b;
        }

        return previous != (byte)'.';
    }

    internal static string ToLower(ReadOnlySpan<byte> host)
    {
        Span<char> chars = stackalloc char[host.Length];
        for (var i = 0; i < host.Length; i++)
        {
            var b = host[i];
            chars[i] = (char)(b is >= (byte)'A' and <= (byte)'Z' ? b + 32 : b);
        }

        return new string(chars);
    }
}
