namespace Usher.Protocols.Tls;

/// <summary>The refusal a TLS client understands when the gateway does not terminate TLS: a fatal alert record in
/// plain text (allowed before the handshake is complete), then close. OpenSSL-based clients print e.g.
/// <c>tlsv1 alert access denied</c>.</summary>
public static class TlsRefusal
{
    private static readonly byte[] AccessDenied = Record(TlsAlert.AccessDenied);
    private static readonly byte[] UnrecognizedName = Record(TlsAlert.UnrecognizedName);

    /// <summary>An alert record: content type 21, legacy version 3.3, length 2, level fatal (2), the description.
    /// Cached for <see cref="TlsAlert.AccessDenied"/> and <see cref="TlsAlert.UnrecognizedName"/>.</summary>
    public static ReadOnlyMemory<byte> Alert(TlsAlert description) => description switch
    {
        TlsAlert.AccessDenied => AccessDenied,
        TlsAlert.UnrecognizedName => UnrecognizedName,
        _ => Record(description),
    };

    private static byte[] Record(TlsAlert description) => [21, 3, 3, 0, 2, 2, (byte)description];
}
