using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using Usher.Diagnostics;
using Usher.Gateway.Native;
using Usher.Gateway.Proxy;
using Usher.Identity;
using Usher.Ledger;
using Usher.Sessions;

namespace Usher.Gateway.Tls;

/// <summary>One client connection of a listener that terminates TLS, from accept to close. The reactor hands over
/// the accepted descriptor at once; from then on the session is a <see cref="Socket"/> and an <see cref="SslStream"/>
/// driven by async code on the thread pool: TLS handshake (within HandshakeTimeout), identity (SNI, client
/// certificate or address), admission, backend connect, then two relay loops. Its lease is released exactly once,
/// whatever ends it.</summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001:Types that own disposable fields should be disposable",
    Justification = "The session disposes its sockets and streams itself when it ends (EndAsync); nothing else owns it.")]
internal sealed partial class TlsSession : IGatewaySession
{
    private readonly ListenerContext _context;
    private readonly TlsTerminator _tls;
    private readonly int _clientFd;
    private readonly CancellationTokenSource _closing;
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private SafeSocketHandle? _handle;
    private Socket? _client;
    private SslStream? _ssl;
    private Socket? _backend;
    private int _backendFd = -1;
    private Lease? _lease;
    private bool _clientDead;
    private bool _backendDead;
    private DescriptorHold _descriptors;

    private TlsSession(ListenerContext context, TlsTerminator tls, int clientFd, SessionRecord record)
    {
        _context = context;
        _tls = tls;
        _clientFd = clientFd;
        Record = record;
        _closing = CancellationTokenSource.CreateLinkedTokenSource(context.Stopping);
    }

    /// <inheritdoc />
    public SessionRecord Record { get; }

    /// <inheritdoc />
    public TimeSpan? IdleTimeout => _context.State.IdleTimeout;

    /// <inheritdoc />
    public long IdleSinceTicks => Math.Max(Record.LastActivityTicks, _context.State.IdleTimeoutSince);

    /// <inheritdoc />
    public Task Completion => _completion.Task;

    /// <summary>The client's socket (for diagnostics and tests); <c>null</c> before the session took it over.</summary>
    internal Socket? ClientSocket => _client;

    /// <summary>The backend's socket, once connecting.</summary>
    internal Socket? BackendSocket => _backend;

    /// <inheritdoc />
    public void Close(CloseReason reason)
    {
        Record.TrySetCloseReason(reason);
        try
        {
            _closing.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The session ended meanwhile.
        }
    }

    /// <summary>Takes over an accepted client socket of a listener that terminates TLS; runs on the reactor thread
    /// and only queues the session's work, so the reactor goes on at once.</summary>
    internal static void Start(ListenerContext context, int clientFd, IPEndPoint client)
    {
        if (context.ConnectRate is { } rate && !rate.TryAcquire(client.Address, Environment.TickCount64))
        {
            context.Metrics.RateLimited(context.Settings.Name);
            Libc.Close(clientFd);
            return;
        }

        if (!AcceptGate.TryEnter(context, clientFd, client, handshake: true, out var perSource))
        {
            return;
        }

        var identity = context.Identify(IdentityKind.SourceIp, client.Address.ToString());
        var record = new SessionRecord(context.Registry.NextId(), context.Settings.Name, identity, client,
            context.Time.GetUtcNow(), Environment.TickCount64);
        var session = new TlsSession(context, context.Tls!, clientFd, record) { _descriptors = DescriptorHold.Taken(perSource) };
        ThreadPool.UnsafeQueueUserWorkItem(static s => _ = s.RunAsync(), session, preferLocal: false);
    }

    private async Task RunAsync()
    {
        try
        {
            // The handle owns the descriptor from here on: disposing the session's streams closes it.
            _handle = new SafeSocketHandle(_clientFd, ownsHandle: true);
            _client = new Socket(_handle);
            _ssl = new SslStream(new NetworkStream(_client, ownsSocket: true), leaveInnerStreamOpen: false);
            var identified = await HandshakeAsync().ConfigureAwait(false);
            _descriptors.LeaveHandshake(_context);
            if (identified
                && await AdmitAsync().ConfigureAwait(false)
                && await ConnectAsync().ConfigureAwait(false))
            {
                await RelayAsync().ConfigureAwait(false);
            }
        }
        catch (Exception e)
        {
            if (Record.TrySetCloseReason(CloseReason.Error))
            {
                _context.Logger.SessionFailed(e, Record.Id, _context.Settings.Name);
            }
        }
        finally
        {
            await EndAsync().ConfigureAwait(false);
        }
    }
}
