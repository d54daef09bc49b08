using Usher.Configuration;
using Usher.Identity;
using Usher.Protocols.Http;
using Usher.Protocols.Mqtt;
using Usher.Protocols.Postgres;
using Usher.Protocols.Tls;

namespace Usher.Protocols;

/// <summary>The handshake protocol of a listener, from its Identity kind; <c>null</c> when the identity needs no
/// bytes from the client (SourceIp, ProxyProtocol; TlsSni and TlsClientCertificate on a listener that terminates TLS,
/// read from the TLS handshake by ProxySession.Tls.cs) or when the session reads it itself: ImapLogin, where the server
/// speaks first and the login is read while the backend is connected (ProxySession.Imap.cs).</summary>
public static class HandshakeProtocols
{
    /// <summary>The protocol of a listener with <paramref name="settings"/>.</summary>
    public static IHandshakeProtocol? For(ListenerSettings settings) => settings.Identity switch
    {
        IdentityKind.PostgresUser => new PostgresProtocol(answerSslRequest: settings.Tls is null),
        IdentityKind.MqttClientId => new MqttProtocol(MqttIdentity.ClientId),
        IdentityKind.MqttUsername => new MqttProtocol(MqttIdentity.Username),
        IdentityKind.HttpHeader => new HttpProtocol(settings.IdentityArgument!, settings.ReclaimWait, settings.Name),
        IdentityKind.TlsSni when settings.Tls is null => new TlsSniProtocol(),
        _ => null,
    };
}
