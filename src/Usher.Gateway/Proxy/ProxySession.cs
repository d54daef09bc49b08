using System.Net;
using System.Net.Sockets;
using Usher.Diagnostics;
using Usher.Gateway.Sockets;
using Usher.Identity;
using Usher.Ledger;
using Usher.Sessions;

namespace Usher.Gateway.Proxy;

/// <summary>One client connection from accept to close: identity, admission, backend connect, the two relays, and
/// exactly one release of its lease whatever ends it.</summary>
public sealed partial class ProxySession
{
    private readonly ListenerContext _context;
    private readonly Socket _client;
    private Socket? _backend;
    private Lease? _lease;
    private int _socketsClosed;

    private ProxySession(ListenerContext context, Socket client, SessionRecord record)
    {
        _context = context;
        _client = client;
        Record = record;
    }

    /// <summary>What is known of the session.</summary>
    public SessionRecord Record { get; }

    /// <summary>Completes when the session has ended and released its lease.</summary>
    public Task Completion { get; private set; } = Task.CompletedTask;

    /// <summary>The listener's IdleTimeout, if any.</summary>
    public TimeSpan? IdleTimeout => _context.Settings.IdleTimeout;

    internal Socket Client => _client;

    internal Socket? Backend => _backend;

    /// <summary>Starts a session for an accepted client socket.</summary>
    internal static ProxySession Start(ListenerContext context, Socket client)
    {
        var remote = Normalize((IPEndPoint)client.RemoteEndPoint!);
        var identity = new SessionIdentity(IdentityKind.SourceIp, remote.Address.ToString());
        var record = new SessionRecord(context.Registry.NextId(), context.Settings.Name, identity, remote,
            context.Time.GetUtcNow(), Environment.TickCount64);
        var session = new ProxySession(context, client, record);
        session.Completion = session.RunAsync();
        return session;
    }

    /// <summary>Closes the session for <paramref name="reason"/> (kill, idle timeout, shutdown, reclaim); the first
    /// reason given is the one recorded.</summary>
    public void Close(CloseReason reason)
    {
        Record.TrySetCloseReason(reason);
        CloseSockets(deadSide: null);
    }

    private async Task RunAsync()
    {
        var settings = _context.Settings;
        try
        {
            SocketTuning.Apply(_client, settings.Keepalive, settings.UserTimeout);
            var identity = Record.Identity.Value;
            var limit = settings.LimitFor(identity);
            var admission = await _context.Ledger.TryAdmitAsync(_context.Scope, identity, limit).ConfigureAwait(false);
            if (!admission.Admitted)
            {
                Refuse(admission);
                return;
            }

            _lease = admission.Lease;
            _context.Registry.Add(this);
            _context.Metrics.Admitted(settings.Name);
            if (!await ConnectBackendAsync().ConfigureAwait(false))
            {
                return;
            }

            _context.Logger.SessionOpened(Record.Id, identity, settings.Name, Record.Client, Record.Backend,
                admission.Count, admission.Limit);

            // Backend → client runs on its own; client → backend runs here; each ends the session when it stops.
            var fromBackend = Relay.RunAsync(this, _backend!, _client, fromClient: false);
            await Relay.RunAsync(this, _client, _backend!, fromClient: true).ConfigureAwait(false);
            await fromBackend.ConfigureAwait(false);
        }
        catch (Exception e)
        {
            if (Record.TrySetCloseReason(CloseReason.Error))
            {
                _context.Logger.SessionFailed(e, Record.Id, settings.Name);
            }
        }
        finally
        {
            CloseSockets(deadSide: null);

            // A close during the backend connect ran before the socket existed: close the connection it completed.
            _backend?.Dispose();
            if (_lease is not null)
            {
                _lease.Release();
                _context.Registry.Remove(this);
                _context.Metrics.Closed(settings.Name, Record.CloseReason, Record.BytesFromClient, Record.BytesFromBackend);
                var durationMs = (long)(_context.Time.GetUtcNow() - Record.StartedAt).TotalMilliseconds;
                _context.Logger.SessionClosed(Record.Id, Record.Identity.Value, settings.Name, Record.CloseReason,
                    durationMs, Record.BytesFromClient, Record.BytesFromBackend);
            }
        }
    }

    private void Refuse(Admission admission)
    {
        Record.TrySetCloseReason(CloseReason.Refused);
        var scope = admission.RefusedBy switch
        {
            RefusedBy.Listener => "listener",
            RefusedBy.Global => "global",
            _ => "identity",
        };
        _context.Metrics.Refused(_context.Settings.Name, scope);
        _context.Refusals.Refused(new Refusal(_context.Settings.Name, Record.Identity.Value, _context.IdentityKindName,
            admission.Count, admission.Limit, scope, _context.PolicyName, Record.Client));
    }

    private async ValueTask<bool> ConnectBackendAsync()
    {
        var started = Environment.TickCount64;
        try
        {
            _backend = await _context.Backend.ConnectAsync(CancellationToken.None).ConfigureAwait(false);
            Record.Backend = _backend.RemoteEndPoint;
            Record.BackendLocal = _backend.LocalEndPoint;
            if (Record.CloseReason != CloseReason.None)
            {
                // Closed (shutdown, kill) while connecting.
                return false;
            }

            return true;
        }
        catch (Exception e) when (e is SocketException or TimeoutException)
        {
            var problem = e is SocketException se ? se.SocketErrorCode.ToString() : e.Message;
            Record.TrySetCloseReason(CloseReason.BackendUnavailable);
            _context.Metrics.BackendFailed(_context.Settings.Name);
            _context.Logger.BackendUnavailable(_context.Settings.Backend, _context.Settings.Name, Record.Client,
                Record.Identity.Value, problem, Environment.TickCount64 - started);
            return false;
        }
    }

    /// <summary>Called by a relay when its direction stops: decides the close reason and closes both sides.</summary>
    internal void OnRelayEnded(in RelayResult result, bool fromClient)
    {
        if (result.Stop == RelayStop.Aborted)
        {
            CloseSockets(deadSide: null);
            return;
        }

        // The side that failed: the source of the relay, or its destination when a write failed.
        var clientSide = result.Stop == RelayStop.Source ? fromClient : !fromClient;
        var dead = result.PeerEnd is PeerEnd.DeadKeepalive or PeerEnd.DeadUserTimeout;
        var reason = (clientSide, dead) switch
        {
            (true, true) => CloseReason.ClientDead,
            (true, false) => CloseReason.ClientClosed,
            (false, true) => CloseReason.BackendDead,
            (false, false) => CloseReason.BackendClosed,
        };
        if (Record.TrySetCloseReason(reason) && dead)
        {
            _context.Logger.PeerDead(Record.Id, Record.Identity.Value, _context.Settings.Name,
                clientSide ? "client" : "backend",
                result.PeerEnd == PeerEnd.DeadKeepalive ? "keepalive" : "user timeout");
        }

        CloseSockets(dead ? (clientSide ? _client : _backend) : null);
    }

    private void CloseSockets(Socket? deadSide)
    {
        if (Interlocked.Exchange(ref _socketsClosed, 1) != 0)
        {
            return;
        }

        // A dead peer will never acknowledge a FIN: reset its socket so the kernel frees it at once. The live side
        // gets an orderly close, so the backend sees its session end and frees it.
        if (deadSide is not null)
        {
            TryAbort(deadSide);
        }

        _client.Dispose();
        _backend?.Dispose();
    }

    private static void TryAbort(Socket socket)
    {
        try
        {
            socket.LingerState = new LingerOption(true, 0);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // Already gone.
        }
    }

    private static IPEndPoint Normalize(IPEndPoint endpoint) =>
        endpoint.Address.IsIPv4MappedToIPv6 ? new IPEndPoint(endpoint.Address.MapToIPv4(), endpoint.Port) : endpoint;
}
