using System.Net;
using Usher.Gateway.Engine;
using Usher.Gateway.Native;

namespace Usher.Gateway.Proxy;

/// <summary>The first thing an accepted connection meets, before anything is allocated for it: the descriptor budget
/// (two descriptors: its own and its backend's; two more on a listener that terminates TLS, for its bridge's
/// socketpair, so a TLS handshake never starts that could not be finished) and, for a connection that starts with a
/// handshake, its address's share of handshakes (<c>MaxHandshakesPerSource</c>, and never more than half the
/// connections the budget has room for, counted at the listener's cost per connection). A connection past either is closed at once, counted (<c>usher.connections.shed</c>) and logged, folded
/// (9660). Closing at once rather than pausing accept (as HAProxy does at maxconn) keeps the accept queue moving:
/// a paused listener would leave the next clients, legitimate ones among them, queued behind a flood.</summary>
internal static class AcceptGate
{
    /// <summary>Lets the connection <paramref name="fd"/> from <paramref name="client"/> in, or closes it.</summary>
    /// <param name="context">The listener's context.</param>
    /// <param name="fd">The accepted socket.</param>
    /// <param name="client">Its peer.</param>
    /// <param name="handshake">Whether the connection starts with a handshake (counted per source).</param>
    /// <param name="perSource">The address counted in the listener's handshakes, to give back when the handshake
    /// ends; <c>null</c> when not counted (no handshake, or a trusted proxy).</param>
    /// <returns><c>false</c> when the connection was closed.</returns>
    public static bool TryEnter(ListenerContext context, int fd, IPEndPoint client, bool handshake, out IPAddress? perSource)
    {
        perSource = null;
        var settings = context.Settings;
        var bridges = BridgesOf(context);
        if (!context.Budget.TryTakeConnection(bridges))
        {
            Libc.Close(fd);
            context.Metrics.Shed(settings.Name, "budget");
            context.Shed.Shed(settings.Name, null, client);
            return false;
        }

        if (!handshake || ProxySession.IsTrusted(settings, client.Address))
        {
            return true;
        }

        var cost = DescriptorBudget.ConnectionCost(bridges);
        var max = Math.Min(settings.MaxHandshakesPerSource, Math.Max(1, context.Budget.Capacity / (2 * cost)));
        if (!context.State.Handshakes.TryEnter(client.Address, max))
        {
            Libc.Close(fd);
            context.Budget.ReleaseConnection(backendOpened: false, bridges);
            context.Metrics.Shed(settings.Name, "source");
            context.Shed.Shed(settings.Name, client.Address, client, max);
            return false;
        }

        perSource = client.Address;
        return true;
    }

    /// <summary>The TLS bridges a connection of the listener needs descriptors for from its accept on: one (its
    /// socketpair) where the listener terminates TLS. A backend's bridge (BackendTls) takes its pair when it connects,
    /// after admission, where no flood of handshakes can hold it.</summary>
    public static int BridgesOf(ListenerContext context) => context.Tls is null ? 0 : 1;
}
