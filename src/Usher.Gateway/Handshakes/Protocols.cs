using Usher.Configuration;
using Usher.Handshakes;
using Usher.Handshakes.Http;
using Usher.Handshakes.Mqtt;
using Usher.Handshakes.Postgres;
using Usher.Handshakes.Tls;
using Usher.Identity;
using Usher.Ledger;
using Usher.Refusals;

namespace Usher.Gateway.Handshakes;

/// <summary>The handshake protocol of a listener, from its Identity kind; <c>null</c> when the identity needs no
/// bytes from the client (SourceIp, ProxyProtocol; TlsSni and TlsClientCertificate on a listener that terminates TLS,
/// read from the TLS handshake by ProxySession.Tls.cs) or when the session reads it itself: ImapLogin, where the server
/// speaks first and the login is read while the backend is connected (ProxySession.Imap.cs).</summary>
internal static class Protocols
{
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

/// <summary>PostgreSQL: the StartupMessage's user; SSLRequest answered 'N' (on a listener that terminates TLS the
/// session answers it 'S' before the reader runs, and one inside TLS is invalid); CancelRequest relayed uncounted (and nothing after it); refused
/// with FATAL 53300 "too many connections for role".</summary>
internal sealed class PostgresProtocol(bool answerSslRequest = true) : IHandshakeProtocol
{
    private readonly PostgresStartupReader _reader = new(answerSslRequest);

    public string KindName => nameof(IdentityKind.PostgresUser);

    public HandshakeResult Read(ReadOnlySpan<byte> received) => _reader.Read(received);

    public ReadOnlyMemory<byte> Refusal(ReadOnlySpan<byte> received, string identity, Admission refusal) =>
        PostgresRefusal.TooManyConnections(_reader.ReadStartup(received).User ?? identity);
}

/// <summary>MQTT 3.1, 3.1.1 and 5: CONNECT's client id or user name; refused with CONNACK 3 (3.1.x) or reason 0x97
/// quota exceeded (5); a CONNECT without a usable identity is answered identifier rejected (2 / 0x85) or bad user name
/// or password (4 / 0x86).</summary>
internal sealed class MqttProtocol(MqttIdentity identity) : IHandshakeProtocol
{
    private readonly MqttConnectReader _reader = new(identity);

    public string KindName => identity == MqttIdentity.ClientId ? nameof(IdentityKind.MqttClientId) : nameof(IdentityKind.MqttUsername);

    public HandshakeResult Read(ReadOnlySpan<byte> received) => _reader.Read(received);

    public ReadOnlyMemory<byte> Refusal(ReadOnlySpan<byte> received, string identity, Admission refusal) =>
        MqttRefusal.ConnAck(_reader.ReadConnect(received).ProtocolLevel);

    public ReadOnlyMemory<byte> Rejection(ReadOnlySpan<byte> received, string problem)
    {
        var connect = _reader.ReadConnect(received);
        if (!connect.IdentityRejected)
        {
            // Malformed: MQTT says close without a CONNACK.
            return ReadOnlyMemory<byte>.Empty;
        }

        return identity == MqttIdentity.ClientId
            ? MqttRefusal.IdentifierRejected(connect.ProtocolLevel)
            : MqttRefusal.BadUserNameOrPassword(connect.ProtocolLevel);
    }
}

/// <summary>HTTP/1.x: a named header of the first request (or the Basic-auth user for Authorization); refused with
/// 429 Too Many Requests and Retry-After (ReclaimWait in whole seconds, at least 1); a request the identity cannot be
/// read from is answered 400, or 401 / 407 with a Basic challenge (realm: the listener's name) when the credentials
/// are missing or unusable. A HEAD gets the same heads without a body.</summary>
internal sealed class HttpProtocol(string header, TimeSpan retryAfter, string realm) : IHandshakeProtocol
{
    private readonly HttpRequestReader _reader = new(header);
    private readonly byte[] _refusal = HttpRefusal.TooManyRequests(RetryAfterSeconds(retryAfter));
    private readonly byte[] _headRefusal = HttpRefusal.TooManyRequests(RetryAfterSeconds(retryAfter), head: true);

    public string KindName => nameof(IdentityKind.HttpHeader);

    /// <summary>The Retry-After of the refusal: ReclaimWait rounded up to whole seconds, at least 1.</summary>
    public static int RetryAfterSeconds(TimeSpan reclaimWait) => Math.Max(1, (int)Math.Ceiling(reclaimWait.TotalSeconds));

    public HandshakeResult Read(ReadOnlySpan<byte> received) => _reader.Read(received);

    public ReadOnlyMemory<byte> Refusal(ReadOnlySpan<byte> received, string identity, Admission refusal) =>
        received.StartsWith("HEAD "u8) ? _headRefusal : _refusal;

    public ReadOnlyMemory<byte> Rejection(ReadOnlySpan<byte> received, string problem)
    {
        var head = received.StartsWith("HEAD "u8);
        return _reader.ReadsBasicUser && _reader.IsCredentialProblem(received)
            ? HttpRefusal.BasicChallenge(realm, problem, proxy: _reader.IdentityHeader.StartsWith("Proxy-", StringComparison.OrdinalIgnoreCase), head)
            : HttpRefusal.BadRequest(problem, head);
    }
}

/// <summary>TLS passthrough: the server name of the ClientHello, read without terminating TLS; refused with a
/// plaintext fatal alert (access_denied); a ClientHello without SNI is answered unrecognized_name.</summary>
internal sealed class TlsSniProtocol : IHandshakeProtocol
{
    public string KindName => nameof(IdentityKind.TlsSni);

    public HandshakeResult Read(ReadOnlySpan<byte> received) => TlsSniReader.Instance.Read(received);

    public ReadOnlyMemory<byte> Refusal(ReadOnlySpan<byte> received, string identity, Admission refusal) =>
        TlsRefusal.Alert(TlsAlert.AccessDenied);

    public ReadOnlyMemory<byte> Rejection(ReadOnlySpan<byte> received, string problem) =>
        problem == TlsSniReader.NoSni ? TlsRefusal.Alert(TlsAlert.UnrecognizedName) : ReadOnlyMemory<byte>.Empty;
}
