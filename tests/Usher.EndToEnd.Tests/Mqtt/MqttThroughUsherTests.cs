using System.Net;
using MQTTnet;
using MQTTnet.Formatter;
using Usher.Configuration;
using Usher.Diagnostics;
using Usher.Identity;
using Usher.Sessions;
using Usher.Testing;

namespace Usher.EndToEnd.Tests.Mqtt;

/// <summary>MQTT clients (mosquitto_sub, mosquitto_pub, MQTTnet) talk to a real mosquitto through Usher, which counts
/// them by client id or user name and refuses the one over the limit, or one without an identity, with the CONNACK its
/// protocol level understands.</summary>
[Collection(MosquittoCollection.Name)]
public sealed class MqttThroughUsherTests(MosquittoBroker broker)
{
    [Fact]
    public async Task A_held_client_id_refuses_mosquitto_pub_with_the_same_id_broker_unavailable_for_MQTT_3_1_1_and_quota_exceeded_for_MQTT_5()
    {
        await using var gateway = TestGateway.Start(Listener(IdentityKind.MqttClientId));
        await using var held = await SubscribeAsync(gateway, "dev1", "mqttv311", "usher/held");

        var v311 = await PublishAsync(gateway, "-i", "dev1", "-V", "mqttv311", "-t", "usher/held", "-m", "refused");
        Assert.True(v311.ExitCode != 0, v311.ToString());
        Assert.Contains("Connection Refused: broker unavailable", v311.Errors, StringComparison.Ordinal);
        Assert.Equal(3, v311.ExitCode);

        var v5 = await PublishAsync(gateway, "-i", "dev1", "-V", "mqttv5", "-t", "usher/held", "-m", "refused");
        Assert.True(v5.ExitCode != 0, v5.ToString());
        Assert.Contains("Quota exceeded", v5.Errors, StringComparison.Ordinal);
        Assert.Equal(0x97, v5.ExitCode);

        var refusal = await gateway.Logs.WaitForAsync(UsherEvents.SessionLimitExceeded, EndToEnd.Soon);
        Assert.Equal("dev1", refusal["Identity"]);
        Assert.Equal("MqttClientId", refusal["IdentityKind"]);
        Assert.Equal(1, refusal["Limit"]);
        Assert.Equal(1, gateway.SessionsOf("dev1"));
        Assert.False(held.HasExited, $"the held subscriber keeps its session: {held.Describe()}");
        Assert.DoesNotContain("refused", string.Join('\n', held.Output), StringComparison.Ordinal);
    }

    [Fact]
    public async Task MQTTnet_over_the_limit_sees_QuotaExceeded_with_MQTT_5_and_ServerUnavailable_with_MQTT_3_1_1()
    {
        await using var gateway = TestGateway.Start(Listener(IdentityKind.MqttClientId));
        var factory = new MqttClientFactory();
        using var first = factory.CreateMqttClient();
        var connected = await first.ConnectAsync(Options(gateway, "dev-net", MqttProtocolVersion.V500));
        Assert.Equal(MqttClientConnectResultCode.Success, connected.ResultCode);
        Assert.Equal(1, gateway.SessionsOf("dev-net"));

        using var v5 = factory.CreateMqttClient();
        var quota = await v5.ConnectAsync(Options(gateway, "dev-net", MqttProtocolVersion.V500));
        Assert.Equal(MqttClientConnectResultCode.QuotaExceeded, quota.ResultCode);

        using var v311 = factory.CreateMqttClient();
        var unavailable = await v311.ConnectAsync(Options(gateway, "dev-net", MqttProtocolVersion.V311));
        Assert.Equal(MqttClientConnectResultCode.ServerUnavailable, unavailable.ResultCode);

        // The admitted client still talks to the broker.
        await first.PingAsync();
        Assert.True(first.IsConnected);
        Assert.Equal(1, gateway.SessionsOf("dev-net"));
    }

    [Fact]
    public async Task MqttUsername_counts_one_user_across_client_ids_and_another_user_passes()
    {
        await using var gateway = TestGateway.Start(Listener(IdentityKind.MqttUsername));
        await using var held = await SubscribeAsync(gateway, "carol-phone", "mqttv311", "usher/user", "-u", "carol");

        var laptop = await PublishAsync(gateway, "-i", "carol-laptop", "-u", "carol", "-V", "mqttv311", "-t", "usher/user", "-m", "refused");
        Assert.True(laptop.ExitCode != 0, laptop.ToString());
        Assert.Contains("Connection Refused: broker unavailable", laptop.Errors, StringComparison.Ordinal);
        var refusal = await gateway.Logs.WaitForAsync(UsherEvents.SessionLimitExceeded, EndToEnd.Soon);
        Assert.Equal("carol", refusal["Identity"]);
        Assert.Equal("MqttUsername", refusal["IdentityKind"]);

        var dave = await PublishAsync(gateway, "-i", "dave-laptop", "-u", "dave", "-V", "mqttv311", "-t", "usher/user", "-m", "from dave");
        Assert.True(dave.ExitCode == 0, dave.ToString());
        Assert.Equal("usher/user from dave", await held.WaitForLineAsync(l => l.StartsWith("usher/user ", StringComparison.Ordinal), EndToEnd.Soon));
        Assert.Equal(1, gateway.SessionsOf("carol"));
    }

    [Fact]
    public async Task Mosquitto_pub_without_a_client_id_is_told_identifier_rejected_by_MQTT_3_1_1_and_5()
    {
        await using var gateway = TestGateway.Start(Listener(IdentityKind.MqttClientId));

        // Without -i, mosquitto_pub sends an empty client id for the broker to assign one.
        var v311 = await PublishAsync(gateway, "-V", "mqttv311", "-t", "usher/anonymous", "-m", "x");
        Assert.True(v311.ExitCode == 2, v311.ToString());
        Assert.Contains("Connection Refused: identifier rejected", v311.Errors, StringComparison.Ordinal);

        var v5 = await PublishAsync(gateway, "-V", "mqttv5", "-t", "usher/anonymous", "-m", "x");
        Assert.True(v5.ExitCode == 0x85, v5.ToString());
        Assert.Contains("Client Identifier not valid", v5.Errors, StringComparison.Ordinal);

        // MQTTnet's own CONNECT, MQTT 5 with an empty client id.
        using var client = new MqttClientFactory().CreateMqttClient();
        var result = await client.ConnectAsync(Options(gateway, string.Empty, MqttProtocolVersion.V500));
        Assert.Equal(MqttClientConnectResultCode.ClientIdentifierNotValid, result.ResultCode);

        var rejected = await gateway.Logs.WaitForAsync(UsherEvents.HandshakeRejected, EndToEnd.Soon);
        Assert.Equal("no client id", rejected["Problem"]);
        Assert.Equal(0, gateway.Gateway.Ledger.Total);
    }

    [Fact]
    public async Task Mosquitto_pub_without_a_user_name_on_MqttUsername_is_told_bad_user_name_or_password()
    {
        await using var gateway = TestGateway.Start(Listener(IdentityKind.MqttUsername));

        var v311 = await PublishAsync(gateway, "-i", "nameless", "-V", "mqttv311", "-t", "usher/anonymous", "-m", "x");
        Assert.True(v311.ExitCode == 4, v311.ToString());
        Assert.Contains("Connection Refused: bad user name or password", v311.Errors, StringComparison.Ordinal);

        var v5 = await PublishAsync(gateway, "-i", "nameless", "-V", "mqttv5", "-t", "usher/anonymous", "-m", "x");
        Assert.True(v5.ExitCode == 0x86, v5.ToString());
        Assert.Contains("Bad User Name or Password", v5.Errors, StringComparison.Ordinal);
        Assert.Equal(0, gateway.Gateway.Ledger.Total);
    }

    [Fact]
    public async Task A_message_published_through_Usher_reaches_a_subscriber_through_Usher()
    {
        await using var gateway = TestGateway.Start(Listener(IdentityKind.MqttClientId));
        var payload = $"news-{Guid.NewGuid():N}";
        await using var subscriber = await SubscribeAsync(gateway, "reader", "mqttv5", "usher/news", "-C", "1");

        var published = await PublishAsync(gateway, "-i", "writer", "-V", "mqttv5", "-q", "1", "-t", "usher/news", "-m", payload);
        Assert.True(published.ExitCode == 0, published.ToString());

        Assert.Equal($"usher/news {payload}", await subscriber.WaitForLineAsync(l => l.StartsWith("usher/news ", StringComparison.Ordinal), EndToEnd.Soon));
        Assert.Equal(0, await subscriber.WaitForExitAsync(EndToEnd.Soon));
        foreach (var id in new[] { "writer", "reader" })
        {
            // A client that is done sends DISCONNECT and closes, and the broker closes on DISCONNECT too: which FIN the
            // gateway reads first is a race on the wire. Either is an orderly close; never a dead peer or an error.
            var closed = await gateway.Logs.WaitForAsync(UsherEvents.SessionClosed, EndToEnd.Soon, r => (string?)r["Identity"] == id);
            Assert.Contains((CloseReason)closed["CloseReason"]!, new[] { CloseReason.ClientClosed, CloseReason.BackendClosed });
        }

        Assert.Empty(gateway.Logs.WithId(UsherEvents.SessionLimitExceeded));
        Assert.Equal(0, gateway.Gateway.Ledger.Total);
    }

    [Fact]
    public async Task With_Takeover_a_second_client_with_the_same_id_replaces_the_first_as_brokers_do()
    {
        await using var gateway = TestGateway.Start(Listener(IdentityKind.MqttClientId, OnLimitPolicy.Takeover));
        var factory = new MqttClientFactory();
        using var first = factory.CreateMqttClient();
        var firstClosed = new TaskCompletionSource<MqttClientDisconnectedEventArgs>(TaskCreationOptions.RunContinuationsAsynchronously);
        first.DisconnectedAsync += e =>
        {
            firstClosed.TrySetResult(e);
            return Task.CompletedTask;
        };
        await first.ConnectAsync(Options(gateway, "sensor-7", MqttProtocolVersion.V311));
        var firstSession = gateway.Gateway.Registry.Of("mqtt", "sensor-7").Single().Record.Id;

        using var second = factory.CreateMqttClient();
        var connected = await second.ConnectAsync(Options(gateway, "sensor-7", MqttProtocolVersion.V311));
        Assert.Equal(MqttClientConnectResultCode.Success, connected.ResultCode);

        // The first sees its connection closed; the gateway says why. The second's CONNECT reaches the broker before
        // it counts (a client id is only claimed until the broker accepts it), and the broker replaces the first
        // connection of the id as it accepts the second: whether the gateway's Takeover or the broker's close ends
        // the first session is a race on the wire. Either way the second takes the place.
        var disconnected = await firstClosed.Task.WaitAsync(EndToEnd.Soon);
        Assert.True(disconnected.ClientWasConnected);
        var closed = await gateway.Logs.WaitForAsync(UsherEvents.SessionClosed, EndToEnd.Soon, r => (long)r["SessionId"]! == firstSession);
        Assert.Contains((CloseReason)closed["CloseReason"]!, new[] { CloseReason.TakenOver, CloseReason.BackendClosed });
        if ((CloseReason)closed["CloseReason"]! == CloseReason.TakenOver)
        {
            var takenOver = await gateway.Logs.WaitForAsync(UsherEvents.SessionReclaimed, EndToEnd.Soon);
            Assert.Equal(firstSession, takenOver["SessionId"]);
        }

        Assert.Empty(gateway.Logs.WithId(UsherEvents.SessionLimitExceeded));

        // The second holds the one slot and talks to the broker.
        await second.PingAsync();
        Assert.True(second.IsConnected);
        Assert.Equal(1, gateway.SessionsOf("sensor-7"));
        Assert.NotEqual(firstSession, gateway.Gateway.Registry.Of("mqtt", "sensor-7").Single().Record.Id);
    }

    /// <summary>The listener of these tests: one session per client id (or user name) in front of the broker.</summary>
    private ListenerSettings Listener(IdentityKind identity, OnLimitPolicy onLimit = OnLimitPolicy.Reject) => new()
    {
        Name = "mqtt",
        Listen = new IPEndPoint(IPAddress.Loopback, 0),
        BackendHost = broker.EndPoint.Address.ToString(),
        BackendPort = broker.EndPoint.Port,
        Identity = identity,
        MaxSessionsPerIdentity = 1,
        OnLimit = onLimit,
        Keepalive = EndToEnd.FastKeepalive,
        UserTimeout = EndToEnd.FastKeepalive.Budget,
    };

    private static MqttClientOptions Options(TestGateway gateway, string clientId, MqttProtocolVersion version) =>
        new MqttClientOptionsBuilder()
            .WithTcpServer(gateway.EndPoint.Address.ToString(), gateway.EndPoint.Port)
            .WithClientId(clientId)
            .WithProtocolVersion(version)
            .WithTimeout(TimeSpan.FromSeconds(15))
            .Build();

    private Task<RunningProcess> SubscribeAsync(TestGateway gateway, string clientId, string version, string topic, params string[] extra) =>
        MosquittoClients.SubscribeAsync(gateway, broker, clientId, version, topic, extra);

    private static Task<ProcessResult> PublishAsync(TestGateway gateway, params string[] arguments) =>
        MosquittoClients.PublishAsync(gateway, arguments);
}
