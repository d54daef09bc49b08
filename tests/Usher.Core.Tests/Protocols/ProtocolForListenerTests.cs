using System.Net;
using Usher.Configuration;
using Usher.Identity;
using Usher.Protocols;
using Usher.Protocols.Confirmation;
using Usher.Protocols.Http;
using Usher.Protocols.Mqtt;
using Usher.Protocols.Postgres;
using Usher.Protocols.Tls;

namespace Usher.Core.Tests.Protocols;

/// <summary>A listener's Identity kind picks its protocol's unit: the handshake glue and the backend's watcher.</summary>
public sealed class ProtocolForListenerTests
{
    [Theory]
    [InlineData(IdentityKind.PostgresUser, null, typeof(PostgresProtocol), typeof(PostgresBackendWatcher))]
    [InlineData(IdentityKind.MqttClientId, null, typeof(MqttProtocol), typeof(MqttConnAckWatcher))]
    [InlineData(IdentityKind.MqttUsername, null, typeof(MqttProtocol), typeof(MqttConnAckWatcher))]
    [InlineData(IdentityKind.HttpHeader, "Authorization", typeof(HttpProtocol), typeof(HttpStatusWatcher))]
    [InlineData(IdentityKind.HttpHeader, "proxy-authorization", typeof(HttpProtocol), typeof(HttpStatusWatcher))]
    [InlineData(IdentityKind.HttpHeader, "X-Tenant", typeof(HttpProtocol), null)]
    [InlineData(IdentityKind.TlsSni, null, typeof(TlsSniProtocol), null)]
    [InlineData(IdentityKind.ImapLogin, null, null, null)]
    [InlineData(IdentityKind.SourceIp, null, null, null)]
    [InlineData(IdentityKind.ProxyProtocol, null, null, null)]
    public void Each_identity_kind_gets_its_protocols_reader_and_watcher(IdentityKind kind, string? argument, Type? protocol, Type? watcher)
    {
        var settings = new ListenerSettings
        {
            Name = "l",
            Listen = new IPEndPoint(IPAddress.Loopback, 0),
            BackendHost = "127.0.0.1",
            BackendPort = 1,
            Identity = kind,
            IdentityArgument = argument,
        };

        Assert.Equal(protocol, HandshakeProtocols.For(settings)?.GetType());
        Assert.Equal(watcher, BackendConfirmation.WatcherFor(settings)?.GetType());
    }
}
