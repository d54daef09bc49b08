using System.Buffers;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using Usher.Gateway.Native;
using Usher.Gateway.Proxy;
using Usher.Gateway.Sockets;

namespace Usher.Gateway.Tls;

/// <summary>The TLS transport of one side of a <see cref="ProxySession"/>: it owns that side's TCP socket and an
/// <see cref="SslStream"/> on it, and one end of an AF_UNIX socketpair whose other end is the session's descriptor
/// for that side. Once TLS is up, two loops on the thread pool move the bytes: decrypted from the peer into the
/// socketpair, and from the socketpair encrypted to the peer; the session sees plaintext and relays it as it relays
/// any socket. Each loop waits with a zero-byte read and rents a buffer only while data moves.
/// <para>The end of the peer is classified here, on the TCP socket (FIN, reset, keepalive, user timeout), recorded
/// (<see cref="End"/>, which the session prefers to what the socketpair says), then passed on by shutting the
/// socketpair down. The session closing its end makes the bridge send close_notify (at most a second) and close the
/// TCP socket; <see cref="Abort"/> first makes that close a reset (a dead peer). The TCP socket stays open until the
/// session has let go of it (<see cref="SessionClosed"/>), so the session may set its options and read TCP_INFO
/// (liveness, reclaim probes) on <see cref="TcpFd"/> without racing a close.</para></summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001:Types that own disposable fields should be disposable",
    Justification = "The bridge disposes its sockets and stream itself when both its loops and its session are done.")]
internal sealed partial class TlsBridge
{
    private const int BufferSize = 16 * 1024;

    private readonly ListenerContext _context;
    private readonly Socket _tcp;
    private readonly SslStream _ssl;
    private readonly CancellationTokenSource _stop;
    private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Socket? _pair;
    private int _budgeted;
    private int _end = -1;
    private int _disposed;
    private volatile bool _established;
    private volatile bool _abort;
    private readonly bool _replayed;

    private TlsBridge(ListenerContext context, Socket tcp, ReadOnlyMemory<byte> replay)
    {
        _context = context;
        _tcp = tcp;
        TcpFd = (int)tcp.Handle;
        Stream inner = new NetworkStream(_tcp, ownsSocket: true);
        if (!replay.IsEmpty)
        {
            inner = new ReplayStream(replay, inner);
            _replayed = true;
        }

        _ssl = new SslStream(inner, leaveInnerStreamOpen: false);
        _stop = CancellationTokenSource.CreateLinkedTokenSource(context.Stopping);
    }

    /// <summary>The TCP socket's descriptor, for socket options and TCP_INFO; open until <see cref="SessionClosed"/>.</summary>
    public int TcpFd { get; }

    /// <summary>How the peer ended, once the bridge saw it end; <c>null</c> while it is there.</summary>
    public PeerEnd? End => Volatile.Read(ref _end) is var end and >= 0 ? (PeerEnd)end : null;

    /// <summary>The peer is dead: the TCP socket's close will be a reset, without close_notify. Reactor thread, before
    /// <see cref="SessionClosed"/>.</summary>
    public void Abort()
    {
        _abort = true;
        if (Volatile.Read(ref _disposed) == 0)
        {
            Errors.Abort(TcpFd);
        }
    }

    /// <summary>The session closed its end of the socketpair (or never got one) and no longer uses <see cref="TcpFd"/>:
    /// a TLS handshake under way stops; an established bridge drains, says close_notify and closes.</summary>
    public void SessionClosed()
    {
        _released.TrySetResult();
        if (!_established)
        {
            Stop();
        }
    }

    /// <summary>Creates the socketpair, its two descriptors taken from the budget first (unless reserved at
    /// accept); they go back to the budget when the bridge is disposed.</summary>
    /// <returns>The session's end, or -1 (with the problem) when no descriptors can be had.</returns>
    private unsafe int OpenPair(out string? problem)
    {
        problem = null;
        if (_budgeted == 0)
        {
            if (!_context.Budget.TryTake(2))
            {
                problem = "no descriptors left for the TLS bridge (the descriptor budget is spent)";
                return -1;
            }

            _budgeted = 2;
        }

        var fds = stackalloc int[2];
        if (Libc.SocketPair(Libc.AF_UNIX, Libc.SOCK_STREAM | Libc.SOCK_NONBLOCK | Libc.SOCK_CLOEXEC, 0, fds) != 0)
        {
            problem = $"cannot create the TLS bridge's socketpair: {Errors.Describe(Libc.Errno)}";
            return -1;
        }

        _pair = new Socket(new SafeSocketHandle(fds[1], ownsHandle: true));
        _established = true;
        return fds[0];
    }

    /// <summary>Moves bytes both ways until the session closes its end, then closes the TCP socket once the session
    /// let go of it.</summary>
    private async Task RelayAsync()
    {
        var fromPeer = FromPeerAsync();
        await ToPeerAsync().ConfigureAwait(false);
        Stop();
        await fromPeer.ConfigureAwait(false);
        try
        {
            await _released.Task.WaitAsync(_context.Stopping).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Shutting down: the reactors close what is left.
        }

        Dispose();
    }

    /// <summary>Decrypted bytes from the peer into the socketpair; the peer's end is recorded and passed on.</summary>
    private async Task FromPeerAsync()
    {
        var token = _stop.Token;
        byte[]? buffer = null;
        try
        {
            while (true)
            {
                await _ssl.ReadAsync(Memory<byte>.Empty, token).ConfigureAwait(false);
                buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
                var read = await _ssl.ReadAsync(buffer, token).ConfigureAwait(false);
                if (read == 0)
                {
                    Ended(PeerEndClassifier.AfterEnd(TcpFd), SocketShutdown.Send);
                    return;
                }

                try
                {
                    await _pair!.SendAsync(buffer.AsMemory(0, read), SocketFlags.None, token).ConfigureAwait(false);
                }
                catch (SocketException)
                {
                    // The session closed its end: the other loop ends the bridge.
                    return;
                }

                ArrayPool<byte>.Shared.Return(buffer);
                buffer = null;
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception e) when (e is IOException or SocketException or AuthenticationException)
        {
            Ended(Classify(e, TcpFd), SocketShutdown.Both);
        }
        finally
        {
            if (buffer is not null)
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }

    /// <summary>Bytes the session writes into the socketpair, encrypted to the peer; the session's close ends it with
    /// close_notify to a peer that is still there.</summary>
    private async Task ToPeerAsync()
    {
        var token = _stop.Token;
        byte[]? buffer = null;
        try
        {
            while (true)
            {
                int read;
                try
                {
                    await _pair!.ReceiveAsync(Memory<byte>.Empty, SocketFlags.None, token).ConfigureAwait(false);
                    buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
                    read = await _pair.ReceiveAsync(buffer, SocketFlags.None, token).ConfigureAwait(false);
                }
                catch (SocketException)
                {
                    // The session closed its end with bytes of the peer unread: its end all the same.
                    read = 0;
                }

                if (read == 0)
                {
                    break;
                }

                await _ssl.WriteAsync(buffer.AsMemory(0, read), token).ConfigureAwait(false);
                ArrayPool<byte>.Shared.Return(buffer!);
                buffer = null;
            }
        }
        catch (OperationCanceledException)
        {
            return;
        }
        catch (Exception e) when (e is IOException or SocketException or AuthenticationException)
        {
            Ended(Classify(e, TcpFd), SocketShutdown.Both);
            return;
        }
        finally
        {
            if (buffer is not null)
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }

        if (!_abort && End is null or PeerEnd.Closed)
        {
            await SendCloseNotifyAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Ends the TLS session properly, so the peer can tell a close from a truncation; a peer that does not
    /// take the alert within a second is closed anyway.</summary>
    private async Task SendCloseNotifyAsync()
    {
        try
        {
            await _ssl.ShutdownAsync().WaitAsync(TimeSpan.FromSeconds(1)).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or TimeoutException
            or InvalidOperationException or NotSupportedException or AuthenticationException)
        {
            // The peer is gone or not reading: closing the socket is all that is left.
        }
    }

    /// <summary>The peer ended: the first end seen is the one recorded, then the session is told through the
    /// socketpair (its FIN for a FIN, a hang-up for the rest).</summary>
    private void Ended(PeerEnd end, SocketShutdown how)
    {
        Interlocked.CompareExchange(ref _end, (int)end, -1);
        try
        {
            _pair?.Shutdown(end == PeerEnd.Closed ? how : SocketShutdown.Both);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // The session closed its end meanwhile.
        }
    }

    private void Stop()
    {
        try
        {
            _stop.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // Ended meanwhile.
        }
    }

    private void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        if (_abort)
        {
            Errors.Abort(TcpFd);
        }

        _ssl.Dispose();
        _pair?.Dispose();
        if (_budgeted > 0)
        {
            _context.Budget.Release(_budgeted);
            _budgeted = 0;
        }

        _stop.Dispose();
    }

    /// <summary>How the peer ended, from the socket error behind <paramref name="e"/> (the kernel hands an error to one
    /// reader only) or, without one, from the descriptor's state.</summary>
    private static PeerEnd Classify(Exception e, int fd)
    {
        var socketError = (e as SocketException ?? e.InnerException as SocketException)?.SocketErrorCode;
        var errno = socketError is { } error ? Errors.FromSocketError(error) : 0;
        return errno != 0 ? PeerEndClassifier.FromErrno(errno, fd) : PeerEndClassifier.AfterEnd(fd);
    }

    /// <summary>The exception's message with the TLS library's reason, when it gave one.</summary>
    private static string Describe(Exception e) =>
        e.InnerException is { Message: { Length: > 0 } inner } && inner != e.Message ? $"{e.Message} ({inner})" : e.Message;
}
