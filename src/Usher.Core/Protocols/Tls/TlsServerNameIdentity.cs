namespace Usher.Protocols.Tls;

/// <summary>The identity of a terminated TLS session counted by its server name: the SNI the client sent (as
/// <c>SslStream.TargetHostName</c> reports it), held to the same rules as the passthrough reader: a host name of
/// at most 255 bytes, lower-cased.</summary>
public static class TlsServerNameIdentity
{
    private const int MaxHostName = 255;

    /// <summary>Identified with the lower-cased name, or invalid (<see cref="TlsSniReader.NoSni"/> when the client
    /// named no server).</summary>
    public static HandshakeResult Read(string? serverName)
    {
        if (string.IsNullOrEmpty(serverName))
        {
            return HandshakeResult.Invalid(TlsSniReader.NoSni);
        }

        if (serverName.Length > MaxHostName)
        {
            return HandshakeResult.Invalid("server name is not a host name");
        }

        Span<byte> ascii = stackalloc byte[serverName.Length];
        for (var i = 0; i < serverName.Length; i++)
        {
            if (serverName[i] > 0x7F)
            {
                return HandshakeResult.Invalid("server name is not a host name");
            }

            ascii[i] = (byte)serverName[i];
        }

        return TlsHostName.IsValid(ascii)
            ? new HandshakeResult(HandshakeStatus.Identified, TlsHostName.ToLower(ascii))
            : HandshakeResult.Invalid("server name is not a host name");
    }
}
