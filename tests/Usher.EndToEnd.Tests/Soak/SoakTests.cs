using System.Net;
using System.Text.RegularExpressions;
using Usher.EndToEnd.Tests.Cli;
using Usher.Testing;
using Xunit.Abstractions;

namespace Usher.EndToEnd.Tests.Soak;

/// <summary>Mixed load for a while (USHER_SOAK_SECONDS, default 120; bench/soak.sh runs it longer): connection churn,
/// long sessions, refusals at a limit, and users whose laptop vanishes (a network namespace cut off) and who come
/// back to be admitted by a reclaim. The accounting must stay exact, and the gateway's descriptors and memory must come
/// back.</summary>
[Collection(SoakCollection.Name)]
public sealed partial class SoakTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task UnderMixedLoadTheLedgerStaysExactAndDescriptorsAndMemoryReturnToBaseline()
    {
        var seconds = int.TryParse(Environment.GetEnvironmentVariable("USHER_SOAK_SECONDS"), out var s) ? s : 120;
        await using var backend = new SessionServer();
        await using var laptop = await Netns.CreateAsync();

        // The gateway runs as operators run it, `usher run` in a process of its own, so its descriptors and memory
        // are measured apart from the clients'.
        using var config = UsherCli.Config($$"""
            { "Usher": {
                "ShutdownGrace": "00:00:01",
                "Listeners": [
                  { "Name": "churn", "Listen": "127.0.0.1:0", "Backend": "{{backend.EndPoint}}", "MaxSessionsPerIdentity": 10000 },
                  { "Name": "limited", "Listen": "127.0.0.1:0", "Backend": "{{backend.EndPoint}}", "MaxSessionsPerIdentity": 2 },
                  { "Name": "vpn", "Listen": "{{laptop.HostAddress}}:0", "Backend": "{{backend.EndPoint}}",
                    "Identity": "HttpHeader:X-User", "MaxSessionsPerIdentity": 2, "OnLimit": "ReclaimDead",
                    "ProbeMinIdle": "00:00:00.200", "ReclaimWait": "00:00:05",
                    "Keepalive": { "Idle": "02:00:00", "Interval": "00:01:15", "Count": 9 }, "UserTimeout": "00:00:00" } ] } }
            """);
        await using var usher = UsherCli.Start("run", "--config", config.Path);
        var at = await ListenersAsync(usher, 3);
        var (churnAt, limitedAt, vpnAt) = (at["churn"], at["limited"], at["vpn"]);

        // Warm up with the same mix for 30 s (tiered JIT, pools, threads and the GC budget reach their working size:
        // about 15 s on two cores), then take the baseline.
        await RunMixAsync(TimeSpan.FromSeconds(30), churnAt, limitedAt, vpnAt, laptop);
        await backend.WaitUntilAsync(b => b.Open == 0, Wait);
        var before = await ProcessResources.SettledAsync(usher.Id);

        var load = await RunMixAsync(TimeSpan.FromSeconds(seconds), churnAt, limitedAt, vpnAt, laptop);

        // Every backend connection ends when its client does: the gateway holds no session and no slot.
        await backend.WaitUntilAsync(b => b.Open == 0, Wait);
        Assert.True(load.Churned > 50 && load.Refused > 10 && load.Reclaimed >= 1 && load.Ticks > 10, $"load ran: {load}");
        // The limited identity, refused thousands of times, holds exactly its two slots again: no lease leaked. (The
        // backend sees its connections close a moment before the gateway releases their slots: give it that moment.)
        using (var one = await FirstAdmittedAsync(limitedAt, "127.0.0.80"))
        using (var two = await AdmittedAsync(limitedAt, "127.0.0.80"))
        using (var three = await TestClient.ConnectAsync(limitedAt, "127.0.0.80"))
        {
            Assert.Null(await three.ReadAsync());
        }

        await backend.WaitUntilAsync(b => b.Open == 0, Wait);
        var after = await ProcessResources.SettledAsync(usher.Id, before);
        output.WriteLine($"soak {seconds} s: {load.Churned} sessions churned, {load.Ticks} ticks on 10 long sessions, " +
            $"{load.Refused} refusals, {load.Reclaimed} reclaims; gateway descriptors {before.Owned} -> {after.Owned} (runtime modules aside); " +
            $"RSS {before.Rss / 1024} KB -> {after.Rss / 1024} KB");
        Assert.True(after.Owned <= before.Owned, $"descriptors {before.Owned} → {after.Owned} (runtime modules aside)");
        Assert.True(after.Rss <= before.Rss * 1.05, $"RSS {before.Rss / 1024} KB → {after.Rss / 1024} KB");
        Assert.False(usher.HasExited, "the gateway runs on");

        // Stopped, the gateway says how many sessions it still holds: none.
        await usher.SignalAsync("TERM");
        await usher.WaitForLineAsync(l => l.Contains("Stopped accepting; draining ", StringComparison.Ordinal), Wait);
        Assert.Contains(usher.Output, l => l.Contains("Stopped accepting; draining 0 session(s)", StringComparison.Ordinal));
        Assert.Equal(0, await usher.WaitForExitAsync(Wait));
    }

    /// <summary>Where each listener of a running <c>usher run</c> accepts, from its ListenerStarted lines.</summary>
    private static async Task<Dictionary<string, IPEndPoint>> ListenersAsync(RunningProcess usher, int count)
    {
        await Eventually.HoldsAsync(() => usher.Output.Count(l => l.Contains("accepting on", StringComparison.Ordinal)) >= count,
            Wait, "every listener accepts");
        return usher.Output.Select(l => ListenerStarted().Match(l)).Where(m => m.Success)
            .ToDictionary(m => m.Groups["name"].Value, m => IPEndPoint.Parse(m.Groups["endpoint"].Value));
    }

    [GeneratedRegex("Listener \"(?<name>[^\"]+)\" accepting on (?<endpoint>\\S+?),")]
    private static partial Regex ListenerStarted();

    private sealed record Load(long Churned, long Refused, long Reclaimed, long Ticks);

    /// <summary>Churn from four addresses, ten long sessions ticking, refusals at a limit of 2, and laptops that
    /// vanish and whose users come back through a reclaim; all of it ends by itself after <paramref name="duration"/>.</summary>
    private static async Task<Load> RunMixAsync(TimeSpan duration, IPEndPoint churnAt, IPEndPoint limitedAt, IPEndPoint vpnAt, Netns laptop)
    {
        using var stop = new CancellationTokenSource(duration);
        var churned = 0L;
        var refused = 0L;
        var reclaimed = 0L;
        var ticks = 0L;
        var loops = new List<Task>();
        // Paced: every churned session leaves a TIME_WAIT socket for a minute, and the gateway's connections to the
        // backend all come from one address to one port, so an unpaced loop runs the host out of local ports (and
        // then the gateway cannot reach its backend). A quarter of what the port range sustains is plenty of churn.
        var interval = TimeSpan.FromSeconds(ChurnLoops / ChurnPerSecond());
        for (var i = 0; i < ChurnLoops; i++)
        {
            var from = $"127.0.0.{61 + i}";
            loops.Add(Task.Run(async () =>
            {
                var pace = System.Diagnostics.Stopwatch.StartNew();
                for (var n = 1; !stop.IsCancellationRequested; n++)
                {
                    await ChurnOnceAsync(churnAt, from);
                    Interlocked.Increment(ref churned);
                    var ahead = (interval * n) - pace.Elapsed;
                    if (ahead > TimeSpan.Zero)
                    {
                        await Task.Delay(ahead);
                    }
                }
            }));
        }

        var held = new List<TestClient>();
        for (var i = 0; i < 10; i++)
        {
            held.Add(await AdmittedAsync(churnAt, "127.0.0.70"));
        }

        loops.Add(Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                foreach (var client in held)
                {
                    await client.SendAsync("tick\n");
                    Assert.Equal("tick\n", await client.ReadAsync());
                    Interlocked.Increment(ref ticks);
                }

                await Task.Delay(500);
            }
        }));

        using var first = await AdmittedAsync(limitedAt, "127.0.0.80");
        using var second = await AdmittedAsync(limitedAt, "127.0.0.80");
        loops.Add(Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                using var third = await TestClient.ConnectAsync(limitedAt, "127.0.0.80");
                Assert.Null(await third.ReadAsync());
                Interlocked.Increment(ref refused);
                await Task.Delay(20);
            }
        }));

        loops.Add(Task.Run(async () =>
        {
            for (var k = 0; !stop.IsCancellationRequested; k++)
            {
                await ReclaimOnceAsync(laptop, vpnAt, $"user{Guid.NewGuid():N}");
                Interlocked.Increment(ref reclaimed);
            }
        }));

        await Task.WhenAll(loops);
        held.ForEach(c => c.Dispose());
        return new Load(churned, refused, reclaimed, ticks);
    }

    private const int ChurnLoops = 4;

    /// <summary>Connections per second the churn may open: a quarter of the local ports
    /// (net.ipv4.ip_local_port_range) over the time a closed connection stays in TIME_WAIT (60 s on Linux).</summary>
    private static double ChurnPerSecond()
    {
        var range = File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range")
            .Split((char[])['\t', ' ', '\n'], StringSplitOptions.RemoveEmptyEntries).Select(int.Parse).ToArray();
        const double TimeWaitSeconds = 60;
        return Math.Max(ChurnLoops, (range[1] - range[0] + 1) / TimeWaitSeconds / 4);
    }

    private static async Task ChurnOnceAsync(IPEndPoint at, string from)
    {
        using var client = await AdmittedAsync(at, from);
        await client.SendAsync("hi\n");
        Assert.Equal("hi\n", await client.ReadAsync());
    }

    private static async Task<TestClient> FirstAdmittedAsync(IPEndPoint at, string from)
    {
        var deadline = DateTime.UtcNow + Wait;
        while (true)
        {
            var client = await TestClient.ConnectAsync(at, from);
            if (await client.IsAdmittedAsync() || DateTime.UtcNow > deadline)
            {
                return client;
            }

            client.Dispose();
            await Task.Delay(100);
        }
    }

    private static async Task<TestClient> AdmittedAsync(IPEndPoint at, string from)
    {
        var client = await TestClient.ConnectAsync(at, from);
        Assert.True(await client.IsAdmittedAsync(), $"a session from {from} to {at} is admitted");
        return client;
    }

    /// <summary>A laptop holds the user's two sessions, vanishes, and the user comes back from elsewhere.</summary>
    private static async Task ReclaimOnceAsync(Netns laptop, IPEndPoint at, string user)
    {
        const string Holder = """
            import socket, sys, time
            conns = []
            for _ in range(2):
                s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=10)
                s.sendall(("GET / HTTP/1.1\r\nX-User: %s\r\n\r\n" % sys.argv[3]).encode())
                s.recv(100)
                conns.append(s)
            print("ready", flush=True)
            time.sleep(60)
            """;
        await using var holder = laptop.Start("python3", "-c", Holder, at.Address.ToString(), at.Port.ToString(), user);
        await holder.WaitForLineAsync(l => l == "ready", Wait);
        await Task.Delay(300);
        await laptop.CutOffAsync();
        try
        {
            using var back = await TestClient.ConnectAsync(at);
            await back.SendAsync($"GET / HTTP/1.1\r\nX-User: {user}\r\n\r\n");
            Assert.True((await back.ReadAsync(TimeSpan.FromSeconds(10)))?.StartsWith("hello", StringComparison.Ordinal) == true,
                $"{user} is admitted again by a reclaim");
        }
        finally
        {
            await laptop.RestoreAsync();
        }
    }
}
