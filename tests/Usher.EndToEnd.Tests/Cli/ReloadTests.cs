using System.Text.Json;
using Usher.Diagnostics;
using Usher.Testing;

namespace Usher.EndToEnd.Tests.Cli;

/// <summary>Hot reload of a real <c>usher run</c>: the file edited on disk, an invalid file then fixed, and SIGHUP with
/// <c>--no-watch</c>; real clients and backend, JSON logs.</summary>
public sealed class ReloadTests
{
    [Fact]
    public async Task Editing_the_file_logs_9654_with_what_changed_and_the_new_limit_admits_a_refused_identity()
    {
        await using var backend = new SessionServer();
        using var config = UsherCli.Config(Config(backend, maxSessionsPerIdentity: 1));
        await using var usher = UsherCli.Start("run", "--config", config.Path, "--log-format", "json");
        var listen = await UsherCli.WaitForListenerAsync(usher);
        using var first = await TestClient.ConnectAsync(listen, "127.0.0.1");
        Assert.True(await first.IsAdmittedAsync());
        await AssertRefusedAsync(listen);

        await WriteAsEditorsDoAsync(config.Path, Config(backend, maxSessionsPerIdentity: 2));

        var reloaded = await WaitForEventAsync(usher, UsherEvents.ConfigReloaded);
        Assert.Equal("Information", reloaded.GetProperty("LogLevel").GetString());
        Assert.Equal(config.Path, reloaded.GetProperty("State").GetProperty("Source").GetString());
        Assert.Equal("cli: MaxSessionsPerIdentity 1 → 2", reloaded.GetProperty("State").GetProperty("Changes").GetString());
        using var second = await TestClient.ConnectAsync(listen, "127.0.0.1");
        Assert.True(await second.IsAdmittedAsync());
        await AssertRefusedAsync(listen);

        // The first session was never touched: one backend connection each, both relaying.
        Assert.Equal(2, backend.Accepted);
        await first.SendAsync("first\n");
        Assert.Equal("first\n", await first.ReadAsync(EndToEnd.Soon));
        Assert.True(InotifyInstances(usher) >= 1, "the file is watched through inotify");
        await StopAsync(usher);
    }

    [Fact]
    public async Task An_invalid_file_logs_9655_as_usher_check_names_its_problems_keeps_the_old_limit_and_the_fixed_file_logs_9654()
    {
        await using var backend = new SessionServer();
        using var config = UsherCli.Config(Config(backend, maxSessionsPerIdentity: 1));
        await using var usher = UsherCli.Start("run", "--config", config.Path, "--log-format", "json");
        var listen = await UsherCli.WaitForListenerAsync(usher);
        using var first = await TestClient.ConnectAsync(listen, "127.0.0.1");
        Assert.True(await first.IsAdmittedAsync());

        var invalid = Config(backend, maxSessionsPerIdentity: 5)
            .Replace("\"MaxSessionsPerIdentity\": 5", "\"MaxSessionsPerIdentity\": 0, \"ConnectTimeout\": \"5s\"", StringComparison.Ordinal);
        await WriteAsEditorsDoAsync(config.Path, invalid);

        var rejected = await WaitForEventAsync(usher, UsherEvents.ConfigRejected);
        Assert.Equal("Error", rejected.GetProperty("LogLevel").GetString());
        var state = rejected.GetProperty("State");
        Assert.Equal(config.Path, state.GetProperty("Source").GetString());
        var problems = state.GetProperty("Problems").GetString()!;
        Assert.Contains($"{config.Path}: Usher:Listeners:0:MaxSessionsPerIdentity:", problems, StringComparison.Ordinal);
        Assert.Contains($"{config.Path}: Usher:Listeners:0:ConnectTimeout:", problems, StringComparison.Ordinal);

        // Word for word what `usher check` says of the same file.
        var check = await UsherCli.RunAsync(TimeSpan.FromSeconds(60), "check", "--config", config.Path);
        Assert.Equal(1, check.ExitCode);
        var checkProblems = check.Errors.Split('\n').Where(l => l.StartsWith("  ", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, checkProblems.Count);
        Assert.Equal(2, state.GetProperty("ProblemCount").GetInt32());
        Assert.All(checkProblems, p => Assert.Contains(p.Trim(), problems, StringComparison.Ordinal));
        Assert.All(checkProblems, p => Assert.Contains(". Fix: ", p, StringComparison.Ordinal));

        // The running configuration stays: still one session per identity.
        await AssertRefusedAsync(listen);
        await first.SendAsync("still\n");
        Assert.Equal("still\n", await first.ReadAsync(EndToEnd.Soon));

        await WriteAsEditorsDoAsync(config.Path, Config(backend, maxSessionsPerIdentity: 3));
        var reloaded = await WaitForEventAsync(usher, UsherEvents.ConfigReloaded);
        Assert.Equal("cli: MaxSessionsPerIdentity 1 → 3", reloaded.GetProperty("State").GetProperty("Changes").GetString());
        using var second = await TestClient.ConnectAsync(listen, "127.0.0.1");
        Assert.True(await second.IsAdmittedAsync());
        Assert.Single(UsherCli.Entries(usher, UsherEvents.ConfigRejected));
        await StopAsync(usher);
    }

    [Fact]
    public async Task With_no_watch_SIGHUP_reloads_the_file_and_nothing_watches_it()
    {
        await using var backend = new SessionServer();
        using var config = UsherCli.Config(Config(backend, maxSessionsPerIdentity: 1));
        await using var usher = UsherCli.Start("run", "--config", config.Path, "--log-format", "json", "--no-watch");
        var listen = await UsherCli.WaitForListenerAsync(usher);
        using var first = await TestClient.ConnectAsync(listen, "127.0.0.1");
        Assert.True(await first.IsAdmittedAsync());

        await WriteAsEditorsDoAsync(config.Path, Config(backend, maxSessionsPerIdentity: 2));
        await usher.SignalAsync("HUP");

        var reloaded = await WaitForEventAsync(usher, UsherEvents.ConfigReloaded);
        Assert.Equal("cli: MaxSessionsPerIdentity 1 → 2", reloaded.GetProperty("State").GetProperty("Changes").GetString());
        using var second = await TestClient.ConnectAsync(listen, "127.0.0.1");
        Assert.True(await second.IsAdmittedAsync());

        // Only SIGHUP reloads: the process holds no inotify instance, and a second SIGHUP of the same file still reloads.
        Assert.Equal(0, InotifyInstances(usher));
        await usher.SignalAsync("HUP");
        await usher.WaitForLineAsync(l => l.Contains("\"EventId\":9654", StringComparison.Ordinal)
            && l.Contains("no change", StringComparison.Ordinal), EndToEnd.Soon);
        Assert.False(usher.HasExited);
        await StopAsync(usher);
    }

    [Fact]
    public async Task Started_under_nohup_which_leaves_SIGHUP_ignored_the_gateway_still_reloads_on_SIGHUP()
    {
        await using var backend = new SessionServer();
        using var config = UsherCli.Config(Config(backend, maxSessionsPerIdentity: 1));
        await using var usher = RunningProcess.Start(Tools.Find("nohup"),
            [UsherCli.Host, UsherCli.Dll, "run", "--config", config.Path, "--log-format", "json", "--no-watch"]);
        var listen = await UsherCli.WaitForListenerAsync(usher);

        await WriteAsEditorsDoAsync(config.Path, Config(backend, maxSessionsPerIdentity: 2));
        await usher.SignalAsync("HUP");

        var reloaded = await WaitForEventAsync(usher, UsherEvents.ConfigReloaded);
        Assert.Equal("cli: MaxSessionsPerIdentity 1 → 2", reloaded.GetProperty("State").GetProperty("Changes").GetString());
        using var first = await TestClient.ConnectAsync(listen, "127.0.0.1");
        using var second = await TestClient.ConnectAsync(listen, "127.0.0.1");
        Assert.True(await first.IsAdmittedAsync());
        Assert.True(await second.IsAdmittedAsync());
        Assert.False(usher.HasExited);
        await StopAsync(usher);
    }

    private static async Task AssertRefusedAsync(System.Net.IPEndPoint listen)
    {
        using var refused = await TestClient.ConnectAsync(listen, "127.0.0.1");
        Assert.Null(await refused.ReadAsync(EndToEnd.Soon));
    }

    private static async Task<JsonElement> WaitForEventAsync(RunningProcess usher, int eventId)
    {
        await usher.WaitForLineAsync(l => l.Contains($"\"EventId\":{eventId}", StringComparison.Ordinal), EndToEnd.Soon);
        return UsherCli.Entries(usher, eventId).First();
    }

    private static async Task StopAsync(RunningProcess usher)
    {
        await usher.SignalAsync("TERM");
        Assert.Equal(0, await usher.WaitForExitAsync(TimeSpan.FromSeconds(30)));
    }

    /// <summary>inotify instances the process holds (a FileSystemWatcher holds one).</summary>
    private static int InotifyInstances(RunningProcess usher) =>
        new DirectoryInfo($"/proc/{usher.Id}/fd").EnumerateFileSystemInfos()
            .Count(fd => fd.LinkTarget == "anon_inode:inotify");

    private static string Config(SessionServer backend, int maxSessionsPerIdentity) => $$"""
        { "Usher": {
            "ShutdownGrace": "00:00:01",
            "Listeners": [ { "Name": "cli", "Listen": "127.0.0.1:0", "Backend": "{{backend.EndPoint}}",
                             "MaxSessionsPerIdentity": {{maxSessionsPerIdentity}} } ] } }
        """;

    /// <summary>Writes the file in place as editors that keep its inode do (vim's backupcopy, nano): truncated, then
    /// written in two pieces, so the watcher sees it empty and half-written before it is whole.</summary>
    private static async Task WriteAsEditorsDoAsync(string path, string text)
    {
        await using var file = new FileStream(path, FileMode.Truncate, FileAccess.Write, FileShare.ReadWrite);
        await file.FlushAsync();
        var bytes = System.Text.Encoding.UTF8.GetBytes(text);
        await file.WriteAsync(bytes.AsMemory(0, bytes.Length / 2));
        await file.FlushAsync();
        await file.WriteAsync(bytes.AsMemory(bytes.Length / 2));
    }
}
