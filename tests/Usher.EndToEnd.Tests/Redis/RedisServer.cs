using System.Net;
using Usher.Testing;

namespace Usher.EndToEnd.Tests.Redis;

/// <summary>A redis-server of the tests' own, on 127.0.0.1 and a free port, without persistence, in a temporary
/// folder; stopped (and the folder deleted) when the tests are done. It can be stopped and started again on the same
/// port mid-test (an outage, a restart that lost every key). Needs Debian's <c>redis-server</c>.</summary>
public sealed class RedisServer : IAsyncLifetime
{
    private readonly string _directory = Directory.CreateTempSubdirectory("usher-redis-").FullName;
    private RunningProcess? _process;

    /// <summary>Where the server listens (the same port across <see cref="StopAsync"/> and <see cref="StartAsync"/>).</summary>
    public IPEndPoint EndPoint { get; private set; } = new(IPAddress.Loopback, 0);

    /// <summary>A StackExchange.Redis connection string for this server.</summary>
    public string Configuration => $"{EndPoint}";

    /// <summary>Whether the server runs now.</summary>
    public bool IsRunning => _process is { HasExited: false };

    /// <summary>The server process (for its output when a test fails).</summary>
    public RunningProcess? Process => _process;

    /// <inheritdoc />
    public Task InitializeAsync() => StartAsync();

    /// <summary>Starts the server: on a free port the first time, on the same port afterwards (a restart, with no
    /// keys: nothing is persisted).</summary>
    public async Task StartAsync()
    {
        var (process, endPoint) = await RedisProcess.StartAsync("redis-server", EndPoint.Port, port => RedisProcess.ServerArguments(port, _directory));
        _process = process;
        EndPoint = endPoint;
    }

    /// <summary>Stops the server at once (SIGKILL: no goodbye to its clients, as a crash or a power cut); the port is
    /// kept for <see cref="StartAsync"/>.</summary>
    public async Task StopAsync()
    {
        if (_process is { } process)
        {
            _process = null;
            await process.SignalAsync("KILL");
            await process.WaitForExitAsync(RedisProcess.StartTimeout);
            await process.DisposeAsync();
        }
    }

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        await StopAsync();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
