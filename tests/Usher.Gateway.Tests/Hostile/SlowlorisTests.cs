using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Usher.Diagnostics;
using Usher.Gateway.Tests.Faults;
using Usher.Identity;
using Usher.Testing;
using Xunit.Abstractions;

namespace Usher.Gateway.Tests.Hostile;

/// <summary>Slowloris: a thousand connections that each send one byte a second and never finish their handshake. Each
/// is closed at HandshakeTimeout (event 9650), none is counted or reaches the backend, and a real client is served
/// all along.</summary>
[Collection(LoadCollection.Name)]
public sealed class SlowlorisTests(ITestOutputHelper output)
{
    private const int Attackers = 1000;
    private static readonly TimeSpan HandshakeTimeout = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan Late = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan AttackFor = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan MaxServiceTime = TimeSpan.FromSeconds(2);
    private static readonly byte[] SlowRequest = Encoding.ASCII.GetBytes("GET / HTTP/1.1\r\nHost: victim\r\nX-User: mallory\r\n\r\n");

    [Fact]
    public async Task A_thousand_one_byte_a_second_handshakes_are_closed_at_HandshakeTimeout_while_a_real_client_is_served()
    {
        await using var backend = new SessionServer(greet: false);
        var l = TestGateway.Listener(backend.EndPoint);
        var listener = new Configuration.ListenerSettings
        {
            Name = l.Name,
            Listen = l.Listen,
            BackendHost = l.BackendHost,
            BackendPort = l.BackendPort,
            UserTimeout = l.UserTimeout,
            Identity = IdentityKind.HttpHeader,
            IdentityArgument = "X-User",
            HandshakeTimeout = HandshakeTimeout,

            // The attack comes from one address: let it hold every handshake, to see each closed at HandshakeTimeout
            // (HandshakesPerSourceTests hold it to its share).
            MaxHandshakesPerSource = 2 * Attackers,
        };
        await using var gateway = TestGateway.Start(listener);
        var clock = Stopwatch.StartNew();

        // The attack: every connection opens, then gets one byte a second.
        var attackers = new List<(Socket Socket, TimeSpan ConnectedAt)>(Attackers);
        try
        {
            for (var i = 0; i < Attackers; i++)
            {
                // Timed from before the connect: a test thread resumed late on a busy machine must not make the
                // gateway look early.
                var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                var startedAt = clock.Elapsed;
                await s.ConnectAsync(gateway.EndPoint);
                attackers.Add((s, startedAt));
            }

            var connectedIn = clock.Elapsed;
            var closedAfter = new ConcurrentDictionary<int, TimeSpan>();
            var watchers = attackers.Select((a, i) => WatchAsync(a.Socket, i, a.ConnectedAt, clock, closedAfter)).ToArray();
            var trickle = TrickleAsync(attackers.Select(a => a.Socket).ToArray(), closedAfter, AttackFor);

            // The real client, meanwhile: one request at a time, each on a new session, until the attack ends.
            var served = new List<TimeSpan>();
            while (!trickle.IsCompleted)
            {
                served.Add(await ServeOneAsync(gateway.EndPoint));
                await Task.Delay(100);
            }

            await trickle;
            await Task.WhenAll(watchers).WaitAsync(TimeSpan.FromSeconds(10));
            var times = closedAfter.Values.Order().ToArray();
            output.WriteLine($"{Attackers} attackers connected in {connectedIn.TotalSeconds:0.00} s; closed after {times[0].TotalSeconds:0.00} s " +
                $"(first) / {times[times.Length / 2].TotalSeconds:0.00} s (median) / {times[^1].TotalSeconds:0.00} s (last) of their own connect; " +
                $"the real client was served {served.Count} times, slowest {served.Max().TotalMilliseconds:0} ms, median {served.Order().ElementAt(served.Count / 2).TotalMilliseconds:0} ms; " +
                $"test process RSS {ProcessMemory.Rss() / 1048576} MB");

            Assert.Equal(Attackers, times.Length);
            Assert.InRange(times[0], HandshakeTimeout - TimeSpan.FromMilliseconds(100), HandshakeTimeout + Late);
            Assert.InRange(times[^1], HandshakeTimeout - TimeSpan.FromMilliseconds(100), HandshakeTimeout + Late);
            Assert.True(served.Count >= 5, $"the real client was served {served.Count} times");
            Assert.True(served.Max() < MaxServiceTime, $"the slowest request took {served.Max()}");

            var rejected = gateway.Logs.WithId(UsherEvents.HandshakeRejected);
            Assert.Equal(Attackers, rejected.Count);
            Assert.All(rejected, e => Assert.Contains("HandshakeTimeout", (string)e["Problem"]!, StringComparison.Ordinal));
            Assert.Equal(served.Count, backend.Accepted);
            Assert.Empty(gateway.Logs.WithId(UsherEvents.SessionLimitExceeded));
            Assert.Empty(gateway.Logs.WithId(UsherEvents.AcceptFailed));
            await Eventually.HoldsAsync(() => gateway.Gateway.Ledger.Total == 0 && gateway.Gateway.Registry.Count == 0, TimeSpan.FromSeconds(10), "every session freed");
        }
        finally
        {
            attackers.ForEach(a => a.Socket.Dispose());
        }
    }

    /// <summary>Records when the gateway closes an attacker's connection, counted from its connect.</summary>
    private static async Task WatchAsync(Socket socket, int index, TimeSpan connectedAt, Stopwatch clock, ConcurrentDictionary<int, TimeSpan> closedAfter)
    {
        var buffer = new byte[64];
        try
        {
            while (await socket.ReceiveAsync(buffer) > 0)
            {
            }
        }
        catch (SocketException)
        {
        }

        closedAfter[index] = clock.Elapsed - connectedAt;
    }

    /// <summary>Sends the next byte of the request to every attacker still open, once a second, for
    /// <paramref name="duration"/> or until all are closed.</summary>
    private static async Task TrickleAsync(Socket[] sockets, ConcurrentDictionary<int, TimeSpan> closed, TimeSpan duration)
    {
        var clock = Stopwatch.StartNew();
        for (var second = 0; clock.Elapsed < duration && closed.Count < sockets.Length; second++)
        {
            for (var i = 0; i < sockets.Length; i++)
            {
                if (!closed.ContainsKey(i))
                {
                    sockets[i].Send(SlowRequest, second % SlowRequest.Length, 1, SocketFlags.None, out _);
                }
            }

            await Task.Delay(TimeSpan.FromSeconds(1));
        }
    }

    private static async Task<TimeSpan> ServeOneAsync(IPEndPoint gateway)
    {
        var clock = Stopwatch.StartNew();
        using var client = await TestClient.ConnectAsync(gateway);
        const string request = "GET / HTTP/1.1\r\nHost: victim\r\nX-User: alice\r\n\r\n";
        await client.SendAsync(request);
        var echoed = new StringBuilder();
        while (echoed.Length < request.Length && await client.ReadAsync(TimeSpan.FromSeconds(10)) is { } part)
        {
            echoed.Append(part);
        }

        Assert.Equal(request, echoed.ToString());
        return clock.Elapsed;
    }
}
