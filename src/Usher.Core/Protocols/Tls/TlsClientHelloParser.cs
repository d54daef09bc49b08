using System.Buffers.Binary;

namespace Usher.Protocols.Tls;

/// <summary>The body of a ClientHello (RFC 8446 4.1.2, RFC 5246 7.4.1.2) down to the <c>server_name</c> extension
/// (RFC 6066 3). Every length is checked against what is left.</summary>
internal static class TlsClientHelloParser
{
    private const int RandomLength = 32;
    private const int MaxSessionId = 32;
    private const ushort ServerNameExtension = 0;
    private const byte HostNameType = 0;
    private const int MaxHostName = 255;

    internal static HandshakeResult ServerName(ReadOnlySpan<byte> hello)
    {
        var reader = new TlsSpanReader(hello);
        if (!reader.TryRead16(out var version) || version >> 8 != 3
            || !reader.TrySkip(RandomLength)
            || !reader.TryRead8(out var sessionIdLength) || sessionIdLength > MaxSessionId || !reader.TrySkip(sessionIdLength)
            || !reader.TryRead16(out var cipherSuitesLength) || cipherSuitesLength < 2 || cipherSuitesLength % 2 != 0
            || !reader.TrySkip(cipherSuitesLength)
            || !reader.TryRead8(out var compressionLength) || compressionLength < 1 || !reader.TrySkip(compressionLength))
        {
            return HandshakeResult.Invalid(TlsSniReader.Malformed);
        }

        if (reader.Remaining == 0)
        {
            // No extensions at all (SSL 3.0 style): no server name.
            return HandshakeResult.Invalid(TlsSniReader.NoSni);
        }

        if (!reader.TryRead16(out var extensionsLength) || extensionsLength != reader.Remaining)
        {
            return HandshakeResult.Invalid(TlsSniReader.Malformed);
        }

        var host = default(ReadOnlySpan<byte>);
        var seen = false;
        while (reader.Remaining > 0)
        {
            if (!reader.TryRead16(out var type) || !reader.TryRead16(out var length) || !reader.TrySlice(length, out var data))
            {
                return HandshakeResult.Invalid(TlsSniReader.Malformed);
            }

            if (type != ServerNameExtension)
            {
                continue;
            }

            if (seen)
            {
                return HandshakeResult.Invalid("duplicate server_name extension");
            }

            seen = true;
            var problem = HostName(data, out host);
            if (problem is not null)
            {
                return HandshakeResult.Invalid(problem);
            }
        }

        if (host.IsEmpty)
        {
            return HandshakeResult.Invalid(TlsSniReader.NoSni);
        }

        return TlsHostName.IsValid(host)
            ? new HandshakeResult(HandshakeStatus.Identified, TlsHostName.ToLower(host))
            : HandshakeResult.Invalid("server name is not a host name");
    }

    /// <summary>The <c>host_name</c> of a ServerNameList: at most one, 1 to 255 bytes.</summary>
    private static string? HostName(ReadOnlySpan<byte> extension, out ReadOnlySpan<byte> host)
    {
        host = default;
        var reader = new TlsSpanReader(extension);
        if (!reader.TryRead16(out var listLength) || listLength != reader.Remaining || listLength == 0)
        {
            return "malformed server_name extension";
        }

        while (reader.Remaining > 0)
        {
            if (!reader.TryRead8(out var nameType) || !reader.TryRead16(out var nameLength) || !reader.TrySlice(nameLength, out var name))
            {
                return "malformed server_name extension";
            }

            if (nameType != HostNameType)
            {
                continue;
            }

            if (!host.IsEmpty)
            {
                return "more than one host_name";
            }

            if (name.IsEmpty || name.Length > MaxHostName)
            {
                return "server name is not a host name";
            }

            host = name;
        }

        return null;
    }

    /// <summary>Reads big-endian fields from a span, never past its end.</summary>
    private ref struct TlsSpanReader(ReadOnlySpan<byte> data)
    {
        private readonly ReadOnlySpan<byte> data = data;
        private int position;

        public readonly int Remaining => data.Length - position;

        public bool TryRead8(out int value)
        {
            value = 0;
            if (Remaining < 1)
            {
                return false;
            }

            value = data[position++];
            return true;
        }

        public bool TryRead16(out int value)
        {
            value = 0;
            if (Remaining < 2)
            {
                return false;
            }

            value = BinaryPrimitives.ReadUInt16BigEndian(data[position..]);
            position += 2;
            return true;
        }

        public bool TrySkip(int count)
        {
            if (count > Remaining)
            {
                return false;
            }

            position += count;
            return true;
        }

        public bool TrySlice(int count, out ReadOnlySpan<byte> slice)
        {
            slice = default;
            if (count > Remaining)
            {
                return false;
            }

            slice = data.Slice(position, count);
            position += count;
            return true;
        }
    }
}
