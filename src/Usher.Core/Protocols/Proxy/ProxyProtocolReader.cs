namespace Usher.Protocols.Proxy;

/// <summary>Reads a PROXY protocol header, version 1 (text) or 2 (binary), as HAProxy's proxy-protocol.txt defines
/// it. The version is told by the first byte (<c>P</c> or CR); anything else is invalid, since a listener that
/// expects the header must never guess whether it is present.</summary>
public static class ProxyProtocolReader
{
    /// <summary>The longest version 1 line, CRLF included.</summary>
    public const int MaxV1Length = 107;

    internal const string NotProxy = "not a PROXY protocol header";

    /// <summary>Reads the header at the start of <paramref name="received"/>.</summary>
    public static ProxyHeader Read(ReadOnlySpan<byte> received)
    {
        if (received.IsEmpty)
        {
            return ProxyHeader.NeedMore;
        }

        return received[0] switch
        {
            (byte)'P' => ProxyV1Parser.Read(received),
            0x0D => ProxyV2Parser.Read(received),
            _ => ProxyHeader.Invalid(NotProxy),
        };
    }
}
