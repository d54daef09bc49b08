using Usher.Identity;
using Usher.Ledger;

namespace Usher.Protocols.Tls;

/// <summary>TLS passthrough: the server name of the ClientHello, read without terminating TLS; refused with a
/// plaintext fatal alert (access_denied); a ClientHello without SNI is answered unrecognized_name.</summary>
public sealed class TlsSniProtocol : IHandshakeProtocol
{
    public string KindName => nameof(IdentityKind.TlsSni);

    public HandshakeResult Read(ReadOnlySpan<byte> received) => TlsSniReader.Instance.Read(received);

    public ReadOnlyMemory<byte> Refusal(ReadOnlySpan<byte> received, string identity, Admission refusal) =>
        TlsRefusal.Alert(TlsAlert.AccessDenied);

    public ReadOnlyMemory<byte> Rejection(ReadOnlySpan<byte> received, string problem) =>
        problem == TlsSniReader.NoSni ? TlsRefusal.Alert(TlsAlert.UnrecognizedName) : ReadOnlyMemory<byte>.Empty;
}
