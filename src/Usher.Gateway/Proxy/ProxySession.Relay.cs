using Usher.Diagnostics;
using Usher.Gateway.Engine;
using Usher.Gateway.Diagnostics;
using Usher.Gateway.Sockets;
using Usher.Sessions;

namespace Usher.Gateway.Proxy;

/// <summary>The payload path: splice(2) from a socket into a pipe and from the pipe into the other socket, in the
/// kernel, without copying through user memory. A direction reads only when its pipe is empty, so EAGAIN always
/// means "source drained" and a slow destination stops the reading (backpressure: at most one pipe per direction).</summary>
internal sealed partial class ProxySession
{
    private void Pump()
    {
        if (_passthrough && !PassthroughClientQuiet())
        {
            return;
        }

        if (_hello is not null && !FlushHello())
        {
            return;
        }

        if (Move(ref _up, _clientFd, _backendFd, ref _clientReadable, ref _backendWritable, fromClient: true))
        {
            Move(ref _down, _backendFd, _clientFd, ref _backendReadable, ref _clientWritable, fromClient: false);
        }
    }

    /// <returns><c>false</c> when the session ended.</returns>
    private unsafe bool Move(ref Flow flow, int source, int destination, ref bool readable, ref bool writable, bool fromClient)
    {
        if (flow.Finished)
        {
            return true;
        }

        while (true)
        {
            while (flow.Pending > 0 && writable)
            {
                var sent = SocketIo.SpliceOut(flow.PipeRead, destination, flow.Pending);
                if (sent.Moved)
                {
                    flow.Pending -= sent.Count;
                    continue;
                }

                if (sent.WouldBlock)
                {
                    writable = false;
                    break;
                }

                End(fromClient ? Backend : Client, sent.Failed ? sent.End : PeerEnd.Closed);
                return false;
            }

            if (flow.Pending > 0)
            {
                // The destination is full: wait until it is writable again; the source waits in the kernel. Unless the source
                // is gone (reset, or found dead: an error or hang-up, never a mere FIN): it is not read while the
                // pipe is full, so its end would otherwise wait for the destination to read again, holding the slot.
                if (fromClient ? _clientGone : _backendGone)
                {
                    End(fromClient ? Client : Backend, PeerEndClassifier.AfterEnd(source));
                    return false;
                }

                return true;
            }

            if (flow.SourceEnded)
            {
                return HalfClose(ref flow, source, destination, fromClient);
            }

            if (!readable)
            {
                ReleasePipe(ref flow);
                return true;
            }

            if (!flow.HasPipe && !_reactor.Pipes.CanRent)
            {
                // No pipe to be had (the budget is spent or descriptors ran out): move what the destination takes
                // straight from the source, leaving the rest in the kernel.
                var moved = PeekCopy(ref flow, source, destination, ref readable, ref writable, fromClient);
                if (moved <= 0)
                {
                    return moved == 0;
                }

                continue;
            }

            if (!flow.Bulk && _reactor.CopySmallReads)
            {
                var copied = Copy(ref flow, source, destination, ref readable, ref writable, fromClient);
                if (copied <= 0)
                {
                    return copied == 0;
                }

                continue;
            }

            if (!flow.HasPipe)
            {
                (flow.PipeRead, flow.PipeWrite) = _reactor.Pipes.Rent();
                if (!flow.HasPipe)
                {
                    continue;
                }
            }

            var read = SocketIo.SpliceIn(source, flow.PipeWrite, PipePool.Capacity);
            switch (read.Status)
            {
                case IoStatus.Moved:
                    flow.Bulk = read.Count >= BulkThreshold;
                    flow.Pending = read.Count;
                    Record.AddBytes(fromClient, read.Count, Environment.TickCount64);
                    continue;
                case IoStatus.EndOfStream:
                    flow.SourceEnded = true;
                    readable = false;
                    continue;
                case IoStatus.WouldBlock:
                    readable = false;
                    ReleasePipe(ref flow);
                    return true;
                default:
                    End(fromClient ? Client : Backend, read.End);
                    return false;
            }
        }
    }

    /// <summary>Reads at most this much per call into the reactor's scratch buffer; a read that fills it switches the
    /// direction to splice.</summary>
    private const int BulkThreshold = 32 * 1024;

    /// <summary>Small messages (requests, responses, handshakes): recv into the reactor's one scratch buffer and send
    /// at once; whatever the destination does not take goes into a pipe, like spliced data. Cheaper than two splices
    /// for a few hundred bytes, and no session owns the buffer.</summary>
    /// <returns>1 to go on, 0 to wait for the next event, -1 when the session ended.</returns>
    private unsafe int Copy(ref Flow flow, int source, int destination, ref bool readable, ref bool writable, bool fromClient)
    {
        fixed (byte* buffer = _reactor.Scratch)
        {
            var read = SocketIo.Recv(source, buffer, BulkThreshold);
            switch (read.Status)
            {
                case IoStatus.EndOfStream:
                    flow.SourceEnded = true;
                    readable = false;
                    return 1;
                case IoStatus.WouldBlock:
                    readable = false;
                    ReleasePipe(ref flow);
                    return 0;
                case IoStatus.Failed:
                    End(fromClient ? Client : Backend, read.End);
                    return -1;
            }

            var count = read.Count;
            Record.AddBytes(fromClient, count, Environment.TickCount64);
            flow.Bulk = count >= BulkThreshold;

            // A short read drained the socket: the next data brings a new edge, so skip the recv that would only
            // say EAGAIN (as nginx does). When the peer's FIN was reported before this read, everything it sent
            // before the FIN was already queued, so this read took the last of it: the recv that would return 0 is
            // skipped too. An error or hang-up is read (it brings no new edge, and its read tells what it was).
            if (count < BulkThreshold)
            {
                readable = false;
                if (fromClient ? _clientGone : _backendGone)
                {
                    readable = true;
                }
                else if (fromClient ? _clientEnding : _backendEnding)
                {
                    flow.SourceEnded = true;
                }
            }

            var sent = 0;
            if (writable)
            {
                var send = SocketIo.Send(destination, buffer, count);
                if (send.Failed)
                {
                    End(fromClient ? Backend : Client, send.End);
                    return -1;
                }

                sent = send.Count;
                writable = send.Moved;
            }

            if (sent == count)
            {
                return 1;
            }

            // The destination is full: park the rest in a pipe and wait for its next readiness.
            writable = false;
            if (!flow.HasPipe)
            {
                (flow.PipeRead, flow.PipeWrite) = _reactor.Pipes.Rent();
            }

            var parked = flow.HasPipe ? SocketIo.Write(flow.PipeWrite, buffer + sent, count - sent) : default;
            if (!parked.Moved || parked.Count != count - sent)
            {
                End(fromClient ? Backend : Client, PeerEnd.Closed);
                return -1;
            }

            flow.Pending = parked.Count;
            return 1;
        }
    }

    /// <summary>The source sent its FIN and everything before it has reached the destination. A client's plain FIN
    /// is passed on to the backend (shutdown SHUT_WR) while the backend's answer goes on, so a client that half-closes
    /// after its request (<c>nc -N</c>, RPC clients) still gets it, as HAProxy and socat relay it. The backend's end
    /// ends the session: its own session is over, so the slot is free at once. A dead or reset peer ends it too. The
    /// reason names the side that ended first.</summary>
    /// <returns><c>false</c> when the session ended.</returns>
    private bool HalfClose(ref Flow flow, int source, int destination, bool fromClient)
    {
        var end = EndOf(fromClient ? Client : Backend, EndAfterRead(source, fromClient));
        if (fromClient && end == PeerEnd.Closed && _context.Settings.HalfClose)
        {
            ReleasePipe(ref flow);
            flow.Finished = true;
            _backendWriteShut = true;
            if (!SocketIo.ShutdownWrite(destination))
            {
                // The backend is already gone: end now.
                End(Backend, PeerEndClassifier.AfterEnd(destination));
                return false;
            }

            return true;
        }

        End(!fromClient && end == PeerEnd.Closed && _up.Finished ? Client : (fromClient ? Client : Backend), end);
        return false;
    }

    /// <summary>How a source whose read returned 0 ended. Its FIN alone (no error or hang-up reported on it) is an
    /// orderly end, told without a system call; only a socket the kernel reported gone is asked its error and TCP state
    /// (a connection the kernel gave up on can read as a FIN).</summary>
    private PeerEnd EndAfterRead(int source, bool fromClient) =>
        (fromClient ? _clientGone : _backendGone)
            ? PeerEndClassifier.AfterEnd(source, finSent: !fromClient && _backendWriteShut)
            : PeerEnd.Closed;

    /// <summary>Moving data with no pipe: peek at the source through the reactor's buffer, send what the destination
    /// takes, then consume exactly that from the source. Nothing waits outside the kernel's socket buffers, so no
    /// session needs memory or a descriptor of its own; it costs one more syscall per read, and runs only while the
    /// pipe budget is spent.</summary>
    /// <returns>1 to go on, 0 to wait for the next event, -1 when the session ended.</returns>
    private unsafe int PeekCopy(ref Flow flow, int source, int destination, ref bool readable, ref bool writable, bool fromClient)
    {
        if (!writable)
        {
            // The source stays readable; the destination turning writable resumes this direction.
            return 0;
        }

        fixed (byte* buffer = _reactor.Scratch)
        {
            var peeked = SocketIo.Peek(source, buffer, _reactor.Scratch.Length);
            if (peeked.EndOfStream)
            {
                flow.SourceEnded = true;
                readable = false;
                return 1;
            }

            if (!peeked.Moved)
            {
                return AfterError(peeked, ref readable, fromClient ? Client : Backend);
            }

            var sent = SocketIo.Send(destination, buffer, peeked.Count);
            if (!sent.Moved)
            {
                return AfterError(sent, ref writable, fromClient ? Backend : Client);
            }

            // What was peeked is still queued on the source: take exactly what went out (never fails short).
            SocketIo.Recv(source, buffer, sent.Count);
            Record.AddBytes(fromClient, sent.Count, Environment.TickCount64);
            if (sent.Count < peeked.Count)
            {
                writable = false;
            }

            return 1;
        }
    }

    /// <summary>After a recv or send that moved nothing: a would-block waits for the next event (clearing
    /// <paramref name="ready"/>), a failure ends the session on <paramref name="side"/>.</summary>
    /// <returns>0 to wait for the next event, -1 when the session ended.</returns>
    private int AfterError(IoResult result, ref bool ready, int side)
    {
        if (result.WouldBlock)
        {
            ready = false;
            return 0;
        }

        End(side, result.End);
        return -1;
    }

    private void ReleasePipe(ref Flow flow)
    {
        if (flow.HasPipe && flow.Pending == 0)
        {
            _reactor.Pipes.Return(flow.PipeRead, flow.PipeWrite);
            flow = Flow.Empty;
        }
    }

    /// <summary>One side ended or died: record why, then close both sides.</summary>
    private void End(int side, PeerEnd end)
    {
        end = EndOf(side, end);
        var dead = end is PeerEnd.DeadKeepalive or PeerEnd.DeadUserTimeout;
        var reason = (side, dead) switch
        {
            (Client, true) => CloseReason.ClientDead,
            (Client, false) => CloseReason.ClientClosed,
            (_, true) => CloseReason.BackendDead,
            _ => CloseReason.BackendClosed,
        };
        if (side == Client && (dead || end == PeerEnd.Reset) && TryReclaim())
        {
            Shut(_clientFd);
            return;
        }

        if (Record.TrySetCloseReason(reason) && dead)
        {
            var deadSide = side == Client ? "client" : "backend";
            var detector = end == PeerEnd.DeadKeepalive ? "keepalive" : "user timeout";
            _context.Logger.PeerDead(Record.Id, Record.Identity.Shown, _context.Settings.Name, deadSide, detector);
            _context.Observe(GatewayEventKind.PeerDead, UsherEvents.PeerDead, Record, $"{deadSide} found dead by {detector}");
        }

        Shut(dead ? (side == Client ? _clientFd : _backendFd) : -1);
    }

    /// <summary>Closes both sockets and the pipes, releases the lease, logs the close. Runs on the reactor thread;
    /// only the first call acts.</summary>
    private void Shut(int deadFd)
    {
        if (_state == State.Closed)
        {
            return;
        }

        var wasWaiting = _state == State.Waiting;
        _state = State.Closed;
        _reactor.RemoveDeadline(this);
        if (wasWaiting)
        {
            StopWaiting();
        }

        if (_token != 0)
        {
            _reactor.Unregister(_token);
        }

        if (deadFd >= 0)
        {
            // A dead peer will never acknowledge a FIN: reset its socket so the kernel frees it at once. The live
            // side gets an orderly close, so the backend sees its session end and frees it.
            AbortPeer(deadFd);
        }

        // The order matters to whoever comes next. The backend connection closes first, so the backend has its FIN
        // before a newcomer can take the slot; then the slot is released; the client's close comes last, so a client
        // that reconnects as soon as it sees its connection end finds its slot already free. (Closing a descriptor
        // also removes it from the epoll set.)
        if (_backendFd >= 0)
        {
            SocketIo.Close(_backendFd);
        }

        _backendBridge?.SessionClosed();

        DiscardPipe(ref _up);
        DiscardPipe(ref _down);
        ReturnHello();
        EndClaim();
        if (_lease is not null)
        {
            _lease.Release(Record.CloseReason);
            _context.Registry.Remove(this);
            _context.CountClosed(Record);
        }

        CloseClient();
        _descriptors.Release(_context);
        _completion?.TrySetResult();
    }

    private void DiscardPipe(ref Flow flow)
    {
        if (!flow.HasPipe)
        {
            return;
        }

        if (flow.Pending == 0)
        {
            _reactor.Pipes.Return(flow.PipeRead, flow.PipeWrite);
        }
        else
        {
            _reactor.Pipes.Discard(flow.PipeRead, flow.PipeWrite);
        }

        flow = Flow.Empty;
    }
}
