using System.Net;
using Usher.Configuration;
using Usher.Diagnostics;
using Usher.EndToEnd.Tests.Mqtt;
using Usher.Identity;
using Usher.Testing;

namespace Usher.EndToEnd.Tests.Tls;

/// <summary>MQTT over TLS (8883): a listener that terminates TLS and counts by MQTT user name in front of the tests'
/// mosquitto, with mosquitto_sub and mosquitto_pub <c>--cafile</c> as clients. The user over the limit gets its CONNACK
/// inside TLS.</summary>
[Collection(MosquittoCollection.Name)]
public sealed class MqttsTests(MosquittoBroker broker, TlsCertificates certificates) : IClassFixture<TlsCertificates>
{
    [Fact]
    public async Task A_held_user_name_refuses_mosquitto_pub_over_TLS_with_quota_exceeded_and_another_user_publishes()
    {
        await using var gateway = TestGateway.Start(new ListenerSettings
        {
            Name = "mqtts",
            Listen = new IPEndPoint(IPAddress.Loopback, 0),
            BackendHost = broker.EndPoint.Address.ToString(),
            BackendPort = broker.EndPoint.Port,
            Identity = IdentityKind.MqttUsername,
            MaxSessionsPerIdentity = 1,
            Keepalive = EndToEnd.FastKeepalive,
            UserTimeout = EndToEnd.FastKeepalive.Budget,
            Tls = new TlsSettings { Certificate = certificates.ServerPem, Key = certificates.ServerKey },
        });
        string[] tls = ["--cafile", certificates.CaPem];
        await using var held = await MosquittoClients.SubscribeAsync(gateway, broker, "held-sub", "mqttv5", "usher/tls",
            [.. tls, "-u", "alice"]);
        Assert.Equal(1, gateway.SessionsOf("alice"));

        var refused = await MosquittoClients.PublishAsync(gateway, [.. tls, "-u", "alice", "-V", "mqttv5", "-t", "usher/tls", "-m", "refused"]);
        Assert.True(refused.ExitCode != 0, refused.ToString());
        Assert.Contains("Quota exceeded", refused.Errors, StringComparison.Ordinal);
        var refusal = await gateway.Logs.WaitForAsync(UsherEvents.SessionLimitExceeded, EndToEnd.Soon);
        Assert.Equal("alice", refusal["Identity"]);
        Assert.Equal("MqttUsername", refusal["IdentityKind"]);

        var bob = await MosquittoClients.PublishAsync(gateway, [.. tls, "-u", "bob", "-V", "mqttv5", "-t", "usher/tls", "-m", "from bob"]);
        Assert.True(bob.ExitCode == 0, bob.ToString());
        await held.WaitForLineAsync(l => l == "usher/tls from bob", EndToEnd.Soon);
        Assert.Equal(1, gateway.SessionsOf("alice"));
    }
}
