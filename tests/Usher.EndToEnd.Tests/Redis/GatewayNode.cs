using System.Net;
using Usher.EndToEnd.Tests.Cli;
using Usher.Testing;

namespace Usher.EndToEnd.Tests.Redis;

/// <summary>One <c>usher run</c> process of a <see cref="GatewayCluster"/>: its node name, its first listener's
/// address, its admin URL.</summary>
internal sealed class GatewayNode : IAsyncDisposable
{
    /// <summary>How long a node may take to start.</summary>
    public static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    private readonly TempConfig _config;

    private GatewayNode(string name, TempConfig config, RunningProcess process, IPEndPoint listen, string admin)
    {
        Name = name;
        _config = config;
        Process = process;
        Listen = listen;
        Admin = admin;
    }

    /// <summary>The node's name (<c>Ledger:Node</c>).</summary>
    public string Name { get; }

    /// <summary>The <c>usher run</c> process (its output is the JSON log, one entry a line).</summary>
    public RunningProcess Process { get; }

    /// <summary>Where its first listener accepts.</summary>
    public IPEndPoint Listen { get; }

    /// <summary>Its admin endpoint, e.g. <c>http://127.0.0.1:40112</c>.</summary>
    public string Admin { get; }

    /// <summary>The configuration file it runs with.</summary>
    public string ConfigPath => _config.Path;

    /// <summary>Starts <c>usher run</c> with <paramref name="json"/> and waits until it accepts and its admin endpoint
    /// answers.</summary>
    public static async Task<GatewayNode> StartAsync(string name, string json)
    {
        var config = UsherCli.Config(json);
        var process = UsherCli.Start("run", "--config", config.Path, "--no-watch", "--log-format", "json");
        try
        {
            // Several processes start at once, on a machine others share: longer than one process's start.
            await process.WaitForLineAsync(l => l.Contains("accepting on", StringComparison.Ordinal), StartTimeout);
            var listen = await UsherCli.WaitForListenerAsync(process);
            var admin = await UsherCli.WaitForAdminAsync(process);
            return new GatewayNode(name, config, process, listen, admin);
        }
        catch
        {
            await process.DisposeAsync();
            config.Dispose();
            throw;
        }
    }

    /// <summary>The node's JSON log entries with <paramref name="eventId"/>.</summary>
    public IEnumerable<System.Text.Json.JsonElement> Entries(int eventId) => UsherCli.Entries(Process, eventId);

    /// <summary>Kills the process at once (SIGKILL: no release, no goodbye), as a crash or a power cut.</summary>
    public async Task KillAsync()
    {
        await Process.SignalAsync("KILL");
        await Process.WaitForExitAsync(EndToEnd.Soon);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (!Process.HasExited)
        {
            await Process.SignalAsync("TERM");
            await Process.WaitForExitAsync(TimeSpan.FromSeconds(30));
        }

        await Process.DisposeAsync();
        _config.Dispose();
    }

    /// <inheritdoc />
    public override string ToString() => $"{Name} ({Listen}, {Admin})";
}
