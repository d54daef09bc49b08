using System.Net;
using System.Net.Sockets;
using Usher.Testing;

namespace Usher.EndToEnd.Tests.Cli;

public sealed class GracefulRestartTests
{
    [Fact]
    public async Task A_new_usher_taking_over_the_listening_sockets_refuses_no_connection_while_the_old_one_drains()
    {
        await using var backend = new SessionServer();
        var port = LocalPorts.Free(IPAddress.Loopback);
        using var config = UsherCli.Config($$"""
            { "Usher": {
                "ShutdownGrace": "00:00:05",
                "Listeners": [ { "Name": "cli", "Listen": "127.0.0.1:{{port}}", "Backend": "{{backend.EndPoint}}",
                                 "MaxSessionsPerIdentity": 100000 } ] } }
            """);
        await using var old = UsherCli.Start("run", "--config", config.Path);
        var listen = await UsherCli.WaitForListenerAsync(old);

        // A session of the old process that must drain, not be cut, during the upgrade.
        using var draining = await TestClient.ConnectAsync(listen);
        Assert.Equal("hello 1\n", await draining.ReadAsync(EndToEnd.Soon));

        // Clients keep connecting through the whole upgrade.
        using var stop = new CancellationTokenSource();
        var ok = 0;
        var failures = new List<string>();
        var load = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    using var client = await TestClient.ConnectAsync(listen);
                    var greeting = await client.ReadAsync(TimeSpan.FromSeconds(5));
                    if (greeting?.StartsWith("hello", StringComparison.Ordinal) == true)
                    {
                        Interlocked.Increment(ref ok);
                    }
                    else
                    {
                        lock (failures)
                        {
                            failures.Add("closed without the backend's greeting");
                        }
                    }
                }
                catch (SocketException e)
                {
                    lock (failures)
                    {
                        failures.Add(e.SocketErrorCode.ToString());
                    }
                }
            }
        });

        await Task.Delay(500);
        await using var successor = UsherCli.Start("run", "--config", config.Path, "--take-over", old.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await UsherCli.WaitForListenerAsync(successor);
        Assert.Contains(successor.Errors, l => l.Contains("took over", StringComparison.Ordinal) && l.Contains("listening socket", StringComparison.Ordinal));
        await old.SignalAsync("TERM");
        await old.WaitForLineAsync(l => l.Contains("Stopped accepting", StringComparison.Ordinal), EndToEnd.Soon);
        var servedAfterStop = Volatile.Read(ref ok);

        // The old process drains its session for ShutdownGrace while the new one serves every newcomer.
        await draining.SendAsync("still here\n");
        Assert.Equal("still here\n", await draining.ReadAsync(EndToEnd.Soon));
        await Task.Delay(1000);
        stop.Cancel();
        await load;

        Assert.Empty(failures);
        Assert.True(Volatile.Read(ref ok) > servedAfterStop, "the new process served clients after the old one stopped accepting");
        Assert.Equal(0, await old.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Null(await draining.ReadAsync(EndToEnd.Soon));
        await successor.SignalAsync("TERM");
        Assert.Equal(0, await successor.WaitForExitAsync(TimeSpan.FromSeconds(30)));
    }
}
