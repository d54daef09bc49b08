using System.Net;
using Usher.Testing;

namespace Usher.EndToEnd.Tests.ProxyProtocol;

/// <summary>HAProxy in front of a gateway, as a load balancer stands before it: <c>haproxy -f CFG -db</c> (in the
/// foreground, killed on dispose) with a TCP frontend on 127.0.0.1 on a free port and one server, the gateway, to
/// which it sends a PROXY protocol v2 header (<c>send-proxy-v2</c>) carrying each client's own address. No health
/// checks: every connection the gateway sees is a client's. Needs the Debian <c>haproxy</c> package.</summary>
public sealed class HaproxyServer : IAsyncDisposable
{
    private readonly ScratchDirectory _scratch;
    private readonly RunningProcess _haproxy;

    private HaproxyServer(ScratchDirectory scratch, RunningProcess haproxy, IPEndPoint endPoint)
    {
        _scratch = scratch;
        _haproxy = haproxy;
        EndPoint = endPoint;
    }

    /// <summary>Where clients connect.</summary>
    public IPEndPoint EndPoint { get; }

    /// <summary>Starts HAProxy with <paramref name="server"/> (the gateway) as its one server.</summary>
    public static async Task<HaproxyServer> StartAsync(IPEndPoint server)
    {
        var scratch = ScratchDirectory.Create("haproxy");
        var haproxy = Tools.Find("haproxy");

        // The port is free when picked; should another process take it before HAProxy binds, try another.
        for (var attempt = 1; ; attempt++)
        {
            var endPoint = new IPEndPoint(IPAddress.Loopback, LocalPorts.Free(IPAddress.Loopback));
            var configuration = scratch.File("haproxy.cfg");
            await File.WriteAllTextAsync(configuration, $"""
                global
                    log stderr format raw local0 info

                defaults
                    mode tcp
                    log global
                    option tcplog
                    timeout connect 5s
                    timeout client 1h
                    timeout server 1h

                frontend clients
                    bind {endPoint}

                    default_backend usher

                backend usher
                    server s1 {server} send-proxy-v2

                """);
            var process = RunningProcess.Start(haproxy, ["-f", configuration, "-db"]);
            if (await LocalPorts.WaitUntilListeningAsync(endPoint, process, TimeSpan.FromSeconds(30)))
            {
                return new HaproxyServer(scratch, process, endPoint);
            }

            var failed = process.Describe();
            await process.DisposeAsync();
            if (attempt == 3)
            {
                scratch.Dispose();
                throw new InvalidOperationException($"haproxy did not start:{Environment.NewLine}{failed}");
            }
        }
    }

    /// <summary>HAProxy's output (its log goes to standard error), for failure messages.</summary>
    public string Describe() => _haproxy.Describe();

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _haproxy.DisposeAsync();
        _scratch.Dispose();
    }
}
