using System.Net;
using Usher.Configuration;
using Usher.Diagnostics;
using Usher.Gateway.Engine;
using Usher.Gateway.Proxy;

namespace Usher.Gateway.Listeners;

/// <summary>One configured listener: a listening socket per reactor on the same address (SO_REUSEPORT), so the
/// kernel spreads connections over the reactors. A reload swaps its context (the settings of the sessions accepted
/// from then on) without closing its sockets.</summary>
public sealed class GatewayListener
{
    private ListenerContext _context;
    private readonly List<(Reactor Reactor, ListenSocket Socket)> _sockets = [];

    internal GatewayListener(ListenerContext context, IReadOnlyList<Reactor> reactors, InheritedListeners? inherited = null)
    {
        _context = context;
        var endpoint = context.Settings.Listen;
        try
        {
            foreach (var reactor in reactors)
            {
                var adopted = inherited?.Take(endpoint) ?? -1;
                if (adopted < 0 && _sockets.Count == 0 && Sockets.PortOwners.Describe(endpoint) is { } owner)
                {
                    // SO_REUSEPORT would let this bind succeed and share the connections with the other socket.
                    throw new System.Net.Sockets.SocketException((int)System.Net.Sockets.SocketError.AddressAlreadyInUse,
                        $"Address already in use: listened on by {owner}; to replace a running usher without refusing connections, " +
                        "start the new one with `usher run --take-over PID`");
                }

                var socket = adopted >= 0 ? ListenSocket.Adopt(context, reactor, adopted) : ListenSocket.Bind(context, reactor, endpoint);
                _sockets.Add((reactor, socket));
                // Port 0: the kernel picked a port for the first socket; the others join it.
                endpoint = socket.LocalEndPoint;
            }
        }
        catch (System.Net.Sockets.SocketException e)
        {
            foreach (var (_, socket) in _sockets)
            {
                socket.Close();
            }

            throw new System.Net.Sockets.SocketException((int)e.SocketErrorCode,
                $"listener \"{context.Settings.Name}\" cannot listen on {context.Settings.Listen}: {e.Message}");
        }

        LocalEndPoint = endpoint;
    }

    /// <summary>The listener's name.</summary>
    public string Name => Context.Settings.Name;

    /// <summary>The listener's effective settings.</summary>
    public ListenerSettings Settings => _context.Settings;

    /// <summary>Sessions open on this listener, as its ledger scope counts them.</summary>
    public int Open => _context.Scope.Count;

    /// <summary>Sessions of <paramref name="identity"/> open on this listener, as the ledger counts them.</summary>
    public int OpenOf(string identity) => _context.Ledger.Count(_context.Scope, identity);

    /// <summary>Newcomers of <paramref name="identity"/> waiting in line for a place on this listener.</summary>
    public int WaitingOf(string identity) => _context.Ledger.Waiting(_context.Scope, identity);

    /// <summary>Where the listener accepts (with the real port when configured with port 0).</summary>
    public IPEndPoint LocalEndPoint { get; }

    /// <summary>The context of the sessions accepted now; sessions accepted before a reload keep their own.</summary>
    internal ListenerContext Context => Volatile.Read(ref _context);

    internal Task StartAsync() => OnEachReactorAsync(s => s.Start());

    /// <summary>A reload: the sessions accepted from now on take <paramref name="context"/>, and the listening
    /// sockets its keepalive. Completes when every reactor has switched.</summary>
    internal Task UseAsync(ListenerContext context)
    {
        Volatile.Write(ref _context, context);
        return OnEachReactorAsync(s => s.Use(context));
    }

    /// <summary>Stops accepting; open sessions are left alone.</summary>
    public Task StopAcceptingAsync() => OnEachReactorAsync(s => s.Close());

    internal void Started()
    {
        var context = Context;
        context.Logger.ListenerStarted(Name, LocalEndPoint, context.Settings.Backend, context.IdentityKindName,
            context.Settings.MaxSessionsPerIdentity);
    }

    private Task OnEachReactorAsync(Action<ListenSocket> action) => Task.WhenAll(_sockets.Select(pair =>
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        pair.Reactor.Post(() =>
        {
            action(pair.Socket);
            done.TrySetResult();
        });
        return pair.Reactor.Stopped.IsCompleted ? Task.CompletedTask : done.Task;
    }));
}
