using System.Net;
using Usher.Configuration;
using Usher.Gateway.Listeners;
using Usher.Testing;

namespace Usher.EndToEnd.Tests;

/// <summary>Settings and limits the end-to-end tests share.</summary>
internal static class EndToEnd
{
    /// <summary>Keepalive of the dead-peer tests: 2 s idle, then 2 probes 1 s apart.</summary>
    public static readonly KeepaliveSettings FastKeepalive = new(TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(1), 2);

    /// <summary>How soon a vanished peer must be found: Idle + Interval × Count, plus one second.</summary>
    public static readonly TimeSpan DetectionBudget = FastKeepalive.Budget + TimeSpan.FromSeconds(1);

    /// <summary>How long a test waits for something that should happen at once (the machine is small and busy).</summary>
    public static readonly TimeSpan Soon = TimeSpan.FromSeconds(15);

    /// <summary>A listener on <paramref name="listen"/> (port chosen by the kernel) in front of
    /// <paramref name="backend"/>, with the fast keepalive and TCP_USER_TIMEOUT set to its budget, as <c>usher</c>
    /// derives it from a configuration file.</summary>
    public static ListenerSettings Listener(IPEndPoint backend, IPAddress listen, int maxSessionsPerIdentity) => new()
    {
        Name = "e2e",
        Listen = new IPEndPoint(listen, 0),
        BackendHost = backend.Address.ToString(),
        BackendPort = backend.Port,
        MaxSessionsPerIdentity = maxSessionsPerIdentity,
        Keepalive = FastKeepalive,
        UserTimeout = FastKeepalive.Budget,
        ConnectTimeout = TimeSpan.FromSeconds(3),
    };

    /// <summary>Sessions of <paramref name="identity"/> the gateway's first listener counts now.</summary>
    public static int SessionsOf(this TestGateway gateway, string identity)
    {
        GatewayListener listener = gateway.Gateway.Listeners[0];
        return gateway.Gateway.Ledger.Count(listener.Context.Scope, identity);
    }
}
