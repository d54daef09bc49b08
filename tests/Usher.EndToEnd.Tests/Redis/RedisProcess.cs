using System.Globalization;
using System.Net;
using Usher.Testing;

namespace Usher.EndToEnd.Tests.Redis;

/// <summary>Starts a redis-server or redis-sentinel of the tests' own on 127.0.0.1 and asks it questions with
/// redis-cli (Debian's <c>redis-server</c> and <c>redis-tools</c>).</summary>
internal static class RedisProcess
{
    /// <summary>How long a Redis process may take to start on a busy machine.</summary>
    public static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);

    /// <summary>Starts <paramref name="tool"/> with the arguments <paramref name="arguments"/> makes for a port: the
    /// given <paramref name="port"/>, or a free one (tried again on another when it was taken meanwhile) when 0.</summary>
    /// <returns>The running process and where it listens.</returns>
    public static async Task<(RunningProcess Process, IPEndPoint EndPoint)> StartAsync(string tool, int port, Func<int, IEnumerable<string>> arguments)
    {
        for (var attempt = 0; ; attempt++)
        {
            var chosen = port != 0 ? port : LocalPorts.Free(IPAddress.Loopback);
            var process = RunningProcess.Start(Tools.Find(tool), arguments(chosen));
            var endPoint = new IPEndPoint(IPAddress.Loopback, chosen);
            if (await LocalPorts.WaitUntilListeningAsync(endPoint, process, StartTimeout))
            {
                return (process, endPoint);
            }

            await process.DisposeAsync();
            if (port != 0 || attempt == 5)
            {
                throw new InvalidOperationException($"{tool} did not start on {endPoint}.{Environment.NewLine}{process.Describe()}");
            }
        }
    }

    /// <summary>The arguments of a redis-server on <paramref name="port"/> that keeps nothing on disk, its working
    /// folder <paramref name="directory"/>.</summary>
    public static string[] ServerArguments(int port, string directory) =>
    [
        "--port", port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
        "--dir", directory, "--daemonize", "no", "--protected-mode", "no", "--loglevel", "warning",
    ];

    /// <summary>Runs <c>redis-cli -h 127.0.0.1 -p PORT COMMAND…</c> and returns what it printed (raw, one value a
    /// line); an unreachable server answers an empty string.</summary>
    public static async Task<string> CliAsync(IPEndPoint server, params string[] command)
    {
        var result = await RunningProcess.RunAsync(Tools.Find("redis-cli"),
            ["-h", server.Address.ToString(), "-p", server.Port.ToString(CultureInfo.InvariantCulture), "--raw", .. command], TimeSpan.FromSeconds(15));
        return result.ExitCode == 0 ? result.Output : string.Empty;
    }

    /// <summary>The value of <paramref name="field"/> in an INFO reply (<c>field:value</c> lines), or <c>null</c>.</summary>
    public static string? InfoField(string info, string field) =>
        info.Split('\n').Select(l => l.TrimEnd('\r')).FirstOrDefault(l => l.StartsWith(field + ":", StringComparison.Ordinal))?[(field.Length + 1)..];
}
