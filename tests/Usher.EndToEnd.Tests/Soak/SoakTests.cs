using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using Usher.Configuration;
using Usher.Gateway;
using Usher.Identity;
using Usher.Testing;
using Xunit.Abstractions;

namespace Usher.EndToEnd.Tests.Soak;

/// <summary>Mixed load for a while (USHER_SOAK_SECONDS, default 120; bench/soak.sh runs it longer): connection churn,
/// long sessions, refusals at a limit, and users whose laptop vanishes (a network namespace cut off) and who come
/// back to be admitted by a reclaim. The accounting must stay exact, and descriptors and memory must come back.</summary>
[Collection(SoakCollection.Name)]
public sealed class SoakTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task UnderMixedLoadTheLedgerStaysExactAndDescriptorsAndMemoryReturnToBaseline()
    {
        var seconds = int.TryParse(Environment.GetEnvironmentVariable("USHER_SOAK_SECONDS"), out var s) ? s : 120;
        await using var backend = new SessionServer();
        await using var laptop = await Netns.CreateAsync();
        var churn = TestGateway.Listener(backend.EndPoint, "churn").With(maxSessionsPerIdentity: 10_000);
        var limited = TestGateway.Listener(backend.EndPoint, "limited").With(maxSessionsPerIdentity: 2);
        var vpn = VpnListener(backend.EndPoint, laptop.HostAddress);
        // No captured log here: a capture keeps every record, and this test measures memory.
        await using var usher = new UsherGateway(new GatewaySettings
        {
            Listeners = [churn, limited, vpn],
            ShutdownGrace = TimeSpan.FromSeconds(1),
        }, NullLoggerFactory.Instance);
        await usher.StartAsync();
        var churnAt = usher.Listener("churn").LocalEndPoint;
        var limitedAt = usher.Listener("limited").LocalEndPoint;
        var vpnAt = usher.Listener("vpn").LocalEndPoint;

        // Warm up with the same mix (JIT, pools and threads reach their working size), then take the baseline.
        await RunMixAsync(TimeSpan.FromSeconds(Math.Clamp(seconds / 4, 5, 30)), churnAt, limitedAt, vpnAt, laptop);
        await Eventually.HoldsAsync(() => usher.Registry.Count == 0 && usher.Ledger.Total == 0, Wait,
            "warm-up sessions end");
        var (fdsBefore, rssBefore) = Resources();

        var load = await RunMixAsync(TimeSpan.FromSeconds(seconds), churnAt, limitedAt, vpnAt, laptop);

        await Eventually.HoldsAsync(() => usher.Registry.Count == 0 && usher.Ledger.Total == 0, Wait,
            "every session ends and the ledger comes back to zero");
        await backend.WaitUntilAsync(b => b.Open == 0, Wait);
        Assert.True(load.Churned > 50 && load.Refused > 10 && load.Reclaimed >= 1 && load.Ticks > 10, $"load ran: {load}");

        var (fdsAfter, rssAfter) = await SettledResourcesAsync(fdsBefore);
        output.WriteLine($"soak {seconds} s: {load.Churned} sessions churned, {load.Ticks} ticks on 10 long sessions, " +
            $"{load.Refused} refusals, {load.Reclaimed} reclaims; ledger 0, registry 0; descriptors {fdsBefore} -> {fdsAfter}; " +
            $"RSS {rssBefore / 1024} KB -> {rssAfter / 1024} KB");
        Assert.True(fdsAfter <= fdsBefore * 1.05 + 2, $"descriptors {fdsBefore} → {fdsAfter}");
        Assert.True(rssAfter <= rssBefore * 1.05, $"RSS {rssBefore / 1024} KB → {rssAfter / 1024} KB");
    }

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
        for (var i = 0; i < 4; i++)
        {
            var from = $"127.0.0.{61 + i}";
            loops.Add(Task.Run(async () =>
            {
                while (!stop.IsCancellationRequested)
                {
                    await ChurnOnceAsync(churnAt, from);
                    Interlocked.Increment(ref churned);
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

    private static ListenerSettings VpnListener(IPEndPoint backend, IPAddress listen) => new()
    {
        Name = "vpn",
        Listen = new IPEndPoint(listen, 0),
        BackendHost = backend.Address.ToString(),
        BackendPort = backend.Port,
        Identity = IdentityKind.HttpHeader,
        IdentityArgument = "X-User",
        MaxSessionsPerIdentity = 2,
        OnLimit = OnLimitPolicy.ReclaimDead,
        ProbeMinIdle = TimeSpan.FromMilliseconds(200),
        ReclaimWait = TimeSpan.FromSeconds(5),
        Keepalive = new KeepaliveSettings(TimeSpan.FromSeconds(7200), TimeSpan.FromSeconds(75), 9),
        UserTimeout = TimeSpan.Zero,
    };

    private static async Task ChurnOnceAsync(IPEndPoint at, string from)
    {
        using var client = await AdmittedAsync(at, from);
        await client.SendAsync("hi\n");
        Assert.Equal("hi\n", await client.ReadAsync());
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

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "malloc_trim")]
    private static extern int MallocTrim(nuint pad);

    private static (long Fds, long Rss) Resources()
    {
        GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);

        // Give memory freed by native code (the runtime's sockets on both sides) back to the system, so RSS shows
        // what is held, not what the allocator keeps for later.
        _ = MallocTrim(0);
        var fds = Directory.GetFiles("/proc/self/fd").Length;
        var rss = File.ReadLines("/proc/self/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal))
            .Split(' ', StringSplitOptions.RemoveEmptyEntries)[1];
        return (fds, long.Parse(rss) * 1024);
    }

    /// <summary>Descriptors of sockets in TIME_WAIT-free teardown and pooled pipes settle within a few seconds.</summary>
    private static async Task<(long Fds, long Rss)> SettledResourcesAsync(long fdsBefore)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        var now = Resources();
        while (now.Fds > fdsBefore * 1.05 + 2 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(250);
            now = Resources();
        }

        return now;
    }
}
