using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Usher.Diagnostics;
using Usher.EndToEnd.Tests.Tls;
using Usher.Testing;
using Xunit.Abstractions;

namespace Usher.EndToEnd.Tests.Cli;

/// <summary><c>usher run</c> under a small open-files limit (prlimit), with its admin endpoint, flooded with
/// connections that never send a byte from one address (127.0.0.2) while a legitimate client (127.0.0.1) connects,
/// sends its request and waits for the backend's greeting, again and again, on the same listener. The descriptor
/// budget keeps the flood to its address's share of handshakes and closes the rest at accept (9660): the gateway stays
/// up, the client keeps its answers, the admin endpoint answers, and descriptors and memory come back once the flood
/// ends. The same holds on a listener that terminates TLS, whose flood never sends a ClientHello (or stops inside
/// one). <c>bench/faults.sh</c> runs the same floods 20 times each (bench/lib/flood.py).</summary>
public sealed class SilentFloodTests(ITestOutputHelper output, TlsCertificates certificates) : IClassFixture<TlsCertificates>
{
    private const int Tries = 300;

    [Fact]
    public Task Under_a_256_descriptor_limit_150_silent_connections_neither_crash_the_gateway_nor_keep_a_client_out() =>
        RunsAsync(files: 256, flood: 150, sources: 1, runs: 3);

    [Fact]
    public Task Under_a_4096_descriptor_limit_5000_silent_connections_neither_crash_the_gateway_nor_keep_a_client_out() =>
        RunsAsync(files: 4096, flood: 5000, sources: 1, runs: 1);

    /// <summary>From 30 addresses, each within its share, the flood spends the whole budget: connections past it are
    /// closed at accept, the gateway stays up, the admin endpoint answers, and the client is served once it ends.</summary>
    [Fact]
    public Task Under_a_256_descriptor_limit_silent_connections_from_many_addresses_spend_the_budget_and_are_closed_at_accept() =>
        RunsAsync(files: 256, flood: 150, sources: 30, runs: 1);

    /// <summary>A listener that terminates TLS: half the flood never sends a byte, the other half stops inside its
    /// ClientHello; the TLS client from another address keeps its answers. A TLS connection costs four descriptors
    /// (its own, its backend's, its bridge's socketpair), so the limit leaves room for a few dozen beside what the
    /// process holds (the flood's share is a quarter of that).</summary>
    [Fact]
    public Task Under_a_512_descriptor_limit_150_silent_connections_to_a_TLS_listener_neither_crash_the_gateway_nor_keep_a_client_out() =>
        RunsAsync(files: 512, flood: 150, sources: 1, runs: 1, tls: true);

    /// <summary>Each run starts usher afresh. The client's answer times are printed, not judged: how fast it is
    /// answered during a flood is bench/faults.sh's to measure (tests check behaviour: every answer comes).</summary>
    private async Task RunsAsync(int files, int flood, int sources, int runs, bool tls = false)
    {
        var latencies = new List<double>();
        for (var run = 1; run <= runs; run++)
        {
            latencies.AddRange(await OneRunAsync(files, flood, sources, run, tls));
        }

        latencies.Sort();
        output.WriteLine($"limit {files}: p99 {P99(latencies):F1} ms over {latencies.Count} answers in {runs} run(s)");
    }

    /// <returns>The client's answer times, in milliseconds.</returns>
    private async Task<List<double>> OneRunAsync(int files, int flood, int sources, int run, bool tls)
    {
        await using var backend = new SessionServer();
        var terminate = tls ? $$""", "Tls": { "Certificate": "{{certificates.ServerPem}}", "Key": "{{certificates.ServerKey}}" }""" : "";
        using var config = UsherCli.Config($$"""
            { "Usher": { "ShutdownGrace": "00:00:01", "Admin": { "Listen": "127.0.0.1:0" }, "Listeners": [
              { "Name": "web", "Listen": "127.0.0.1:0", "Backend": "{{backend.EndPoint}}", "Identity": "HttpHeader:X-User",
                "HandshakeTimeout": "00:01:00", "MaxSessionsPerIdentity": 1000{{terminate}} } ] } }
            """);
        await using var usher = RunningProcess.Start(Tools.Find("prlimit"),
            [$"--nofile={files}:{files}", UsherCli.Host, UsherCli.Dll, "run", "--config", config.Path, "--log-format", "json"]);
        var admin = new Uri(await UsherCli.WaitForAdminAsync(usher));
        var listen = await UsherCli.WaitForListenerAsync(usher);
        using var http = new HttpClient { BaseAddress = admin, Timeout = TimeSpan.FromSeconds(5) };

        // The baseline: after a few answers of each kind, once descriptors and memory hold still.
        for (var i = 0; i < 5; i++)
        {
            Assert.NotNull(await AskAsync(listen, tls));
        }

        await AdminAnswersAsync(http);
        var before = await ProcessResources.SettledAsync(usher.Id);

        var silent = new List<Socket>();
        var latencies = new List<double>();
        try
        {
            for (var i = 0; i < flood; i++)
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                silent.Add(socket);
                socket.Bind(new IPEndPoint(IPAddress.Parse($"127.0.0.{2 + (i % sources)}"), 0));
                await socket.ConnectAsync(listen);
                if (tls && i % 2 == 1)
                {
                    // A TLS record header announcing a ClientHello that never comes.
                    await socket.SendAsync(new byte[] { 0x16, 0x03, 0x01, 0x02, 0x00, 0x01 });
                }
            }

            await usher.WaitForLineAsync(l => l.Contains("\"EventId\":9660", StringComparison.Ordinal), EndToEnd.Soon);
            var peakFds = ProcessResources.Read(usher.Id).Fds;

            for (var i = 0; i < Tries; i++)
            {
                double? answered;
                try
                {
                    answered = await AskAsync(listen, tls);
                }
                catch (Exception e) when (e is IOException or SocketException or System.Security.Authentication.AuthenticationException)
                {
                    // The gateway's own account of it (folded lines are written at the latest when it stops).
                    await usher.SignalAsync("TERM");
                    await usher.WaitForExitAsync(TimeSpan.FromSeconds(30));
                    throw new Xunit.Sdk.XunitException($"try {i}: {e.Message}{Environment.NewLine}{string.Join(Environment.NewLine, usher.Output.Where(l => !l.Contains("\"EventId\":9642", StringComparison.Ordinal)))}");
                }

                if (answered is { } ms)
                {
                    latencies.Add(ms);
                }

                if (i % 20 == 0)
                {
                    await AdminAnswersAsync(http);
                }
            }

            latencies.Sort();
            var p99 = P99(latencies);
            output.WriteLine($"limit {files}, run {run}: {flood} silent connections from {sources} address(es), {peakFds} descriptors at the peak "
                + $"({before.Fds} before); the client had {latencies.Count}/{Tries} answers, p50 {Median(latencies):F1} ms, p99 {p99:F1} ms, "
                + $"slowest {string.Join(", ", latencies.TakeLast(5).Select(l => l.ToString("F1", System.Globalization.CultureInfo.InvariantCulture)))} ms");
            Assert.False(usher.HasExited, usher.Describe());
            Assert.True(peakFds < files, $"{peakFds} descriptors open under a limit of {files}");
            if (sources == 1)
            {
                // One address holds its share alone: the client from another keeps its answers.
                Assert.True(latencies.Count >= Tries * 95 / 100, $"only {latencies.Count} of {Tries} answers");
            }
        }
        finally
        {
            silent.ForEach(s => s.Dispose());
        }

        var after = await ProcessResources.SettledAsync(usher.Id, before, rssWithin: 0.2);
        output.WriteLine($"limit {files}, run {run}: descriptors {before.Fds} -> {after.Fds} (runtime modules {before.Modules} -> {after.Modules}), "
            + $"RSS {before.Rss / 1024} KB -> {after.Rss / 1024} KB");
        Assert.True(after.Owned <= before.Owned, $"descriptors other than runtime modules {before.Owned} -> {after.Owned}: {DescribeDescriptors(usher.Id)}");
        Assert.True(after.Rss <= before.Rss * 1.2, $"RSS {before.Rss / 1024} KB -> {after.Rss / 1024} KB");
        await AdminAnswersAsync(http);
        Assert.NotNull(await AskAsync(listen, tls));

        var why = UsherCli.Entries(usher, UsherEvents.ConnectionsShed).Select(e => e.GetProperty("State").GetProperty("Why").GetString()).ToList();
        Assert.Contains(why, w => w!.Contains(sources == 1 ? "MaxHandshakesPerSource" : "descriptor budget is spent", StringComparison.Ordinal));
        Assert.Empty(UsherCli.Entries(usher, UsherEvents.AcceptFailed).Select(e => e.GetRawText()));
        await usher.SignalAsync("TERM");
        Assert.Equal(0, await usher.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        return latencies;
    }

    /// <summary>One request of the legitimate client: the milliseconds from connect to the backend's greeting, or
    /// <c>null</c> when the connection was closed without one.</summary>
    private async Task<double?> AskAsync(IPEndPoint listen, bool tls)
    {
        const string Request = "GET / HTTP/1.1\r\nHost: app\r\nX-User: alice\r\n\r\n";
        var started = Stopwatch.GetTimestamp();
        bool admitted;
        if (tls)
        {
            await using var secure = await TlsClient.ConnectAsync(listen, "localhost", certificates.Ca, from: "127.0.0.1");
            await secure.SendAsync(Request);
            admitted = (await secure.ReadAsync())?.StartsWith("hello", StringComparison.Ordinal) == true;
        }
        else
        {
            using var client = await TestClient.ConnectAsync(listen, "127.0.0.1");
            await client.SendAsync(Request);
            admitted = await client.IsAdmittedAsync();
        }

        return admitted ? Stopwatch.GetElapsedTime(started).TotalMilliseconds : null;
    }

    private static async Task AdminAnswersAsync(HttpClient http)
    {
        Assert.Equal("ok\n", await http.GetStringAsync("/healthz"));
        Assert.Contains("\"listeners\"", await http.GetStringAsync("/api/status"), StringComparison.Ordinal);
    }

    /// <summary>What the process's descriptors are, by kind, and its TCP sockets' states (for a failure message).</summary>
    private static string DescribeDescriptors(int pid)
    {
        var kinds = new DirectoryInfo($"/proc/{pid}/fd").EnumerateFileSystemInfos()
            .Select(f => f.LinkTarget ?? "?")
            .Select(t => t.StartsWith('/') ? (ProcessResources.IsModule(t) ? "module" : "file") : t.Split(':')[0])
            .GroupBy(k => k).Select(g => $"{g.Key} {g.Count()}");
        var ss = RunningProcess.RunAsync(Tools.Find("ss"), ["-tanp"], TimeSpan.FromSeconds(10)).GetAwaiter().GetResult();
        var mine = ss.Output.Split('\n').Where(l => l.Contains($"pid={pid},", StringComparison.Ordinal));
        return $"{string.Join(", ", kinds)}{Environment.NewLine}{string.Join(Environment.NewLine, mine)}";
    }

    private static double P99(List<double> sorted) => sorted.Count == 0 ? double.NaN : sorted[(int)Math.Ceiling(sorted.Count * 0.99) - 1];

    private static double Median(List<double> sorted) => sorted.Count == 0 ? double.NaN : sorted[sorted.Count / 2];
}
