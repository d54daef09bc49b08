using System.Net;
using System.Net.Sockets;
using Usher.Configuration;
using Usher.Diagnostics;
using Usher.Identity;
using Usher.Sessions;
using Usher.Testing;

namespace Usher.EndToEnd.Tests.Mqtt;

/// <summary>A client id or user name in a CONNECT is only claimed until mosquitto (with a password file) accepts the
/// credentials in its CONNACK: a CONNECT of sensor-1 without them gets the broker's own refusal and leaves the real
/// device connected, the real device still takes over, and a user confirmed over its limit gets the refusing
/// CONNACK in place of the broker's accepting one.</summary>
public sealed class ClaimedClientIdTests(PasswordMosquittoBroker broker) : IClassFixture<PasswordMosquittoBroker>
{
    private const string User = PasswordMosquittoBroker.User;
    private const string Password = PasswordMosquittoBroker.Password;

    [Fact]
    public async Task A_CONNECT_of_sensor_1_without_credentials_leaves_the_real_device_connected_and_the_device_itself_takes_over()
    {
        await using var gateway = TestGateway.Start(Listener(IdentityKind.MqttClientId, OnLimitPolicy.Takeover));
        await using var device = await SubscribeAsync(gateway, "sensor-1", "-u", User, "-P", Password);
        var deviceSession = gateway.Gateway.Registry.Of("mqtt-claims", "sensor-1").Single().Record.Id;

        // No credentials: the broker answers CONNACK 5 (not authorized), relayed as it is, and closes.
        using (var stranger = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
        {
            await stranger.ConnectAsync(gateway.EndPoint);
            byte[] connect = [0x10, 0x14, 0x00, 0x04, (byte)'M', (byte)'Q', (byte)'T', (byte)'T', 0x04, 0x02, 0x00, 0x3C,
                0x00, 0x08, .. "sensor-1"u8];
            await stranger.SendAsync(connect);
            var answer = await ReadToEndAsync(stranger);
            Assert.Equal(new byte[] { 0x20, 0x02, 0x00, 0x05 }, answer);
        }

        // A wrong password: the broker's refusal again.
        var wrong = await PublishAsync(gateway, "-i", "sensor-1", "-u", User, "-P", "wrong", "-t", "claims/t", "-m", "x");
        Assert.True(wrong.ExitCode != 0, wrong.ToString());
        Assert.Contains("not authori", wrong.Errors, StringComparison.OrdinalIgnoreCase);

        Assert.False(device.HasExited, device.Describe());
        Assert.Equal(1, gateway.SessionsOf("sensor-1"));
        Assert.Equal(deviceSession, gateway.Gateway.Registry.Of("mqtt-claims", "sensor-1").Single().Record.Id);
        Assert.Empty(gateway.Logs.WithId(UsherEvents.SessionReclaimed));
        Assert.Empty(gateway.Logs.WithId(UsherEvents.ReclaimStarted));
        Assert.Equal(0, gateway.Gateway.Listeners[0].Context.State.Claims.Total);

        // The device itself, with its password, comes back: it takes the place (the broker replaces the old
        // connection of the client id as soon as it accepts the new one, the gateway's Takeover if it was first).
        var back = await PublishAsync(gateway, "-i", "sensor-1", "-u", User, "-P", Password, "-t", "claims/t", "-m", "back");
        Assert.True(back.ExitCode == 0, $"{back}{Environment.NewLine}{gateway.Logs.Dump()}");
        var closed = await gateway.Logs.WaitForAsync(UsherEvents.SessionClosed, EndToEnd.Soon, r => (long)r["SessionId"]! == deviceSession);
        Assert.Contains((CloseReason)closed["CloseReason"]!, new[] { CloseReason.TakenOver, CloseReason.BackendClosed });
    }

    [Fact]
    public async Task A_user_the_broker_accepts_over_its_limit_gets_the_refusing_CONNACK_in_place_of_the_accepting_one()
    {
        await using var gateway = TestGateway.Start(Listener(IdentityKind.MqttUsername, OnLimitPolicy.ReclaimDead));
        await using var held = await SubscribeAsync(gateway, "dev-a", "-u", User, "-P", Password);

        // The broker accepts dev-b's password; the user is at its limit and its one session is alive, so after
        // ReclaimWait the gateway answers for the broker.
        var refused = await PublishAsync(gateway, "-i", "dev-b", "-u", User, "-P", Password, "-V", "mqttv311", "-t", "claims/t", "-m", "x");
        Assert.True(refused.ExitCode != 0, refused.ToString());
        Assert.Contains("Connection Refused: broker unavailable", refused.Errors, StringComparison.Ordinal);

        var started = await gateway.Logs.WaitForAsync(UsherEvents.ReclaimStarted, EndToEnd.Soon);
        Assert.Equal(User, started["Identity"]);
        var refusal = await gateway.Logs.WaitForAsync(UsherEvents.SessionLimitExceeded, EndToEnd.Soon);
        Assert.Equal("identity", refusal["Scope"]);
        Assert.False(held.HasExited, held.Describe());
        Assert.Equal(1, gateway.SessionsOf(User));
    }

    private ListenerSettings Listener(IdentityKind identity, OnLimitPolicy onLimit) => new()
    {
        Name = "mqtt-claims",
        Listen = new IPEndPoint(IPAddress.Loopback, 0),
        BackendHost = broker.EndPoint.Address.ToString(),
        BackendPort = broker.EndPoint.Port,
        Identity = identity,
        MaxSessionsPerIdentity = 1,
        OnLimit = onLimit,
        ReclaimWait = TimeSpan.FromSeconds(3),
        ProbeMinIdle = TimeSpan.Zero,
        Keepalive = EndToEnd.FastKeepalive,
        UserTimeout = EndToEnd.FastKeepalive.Budget,
    };

    private static async Task<byte[]> ReadToEndAsync(Socket socket)
    {
        using var cancel = new CancellationTokenSource(EndToEnd.Soon);
        var received = new List<byte>();
        var buffer = new byte[64];
        int read;
        while ((read = await socket.ReceiveAsync(buffer, cancel.Token)) > 0)
        {
            received.AddRange(buffer.AsSpan(0, read));
        }

        return [.. received];
    }

    private Task<RunningProcess> SubscribeAsync(TestGateway gateway, string clientId, params string[] extra) =>
        MosquittoClients.SubscribeAsync(gateway, broker, clientId, "mqttv311", "claims/t", extra);

    private static Task<ProcessResult> PublishAsync(TestGateway gateway, params string[] arguments) =>
        MosquittoClients.PublishAsync(gateway, arguments);
}
