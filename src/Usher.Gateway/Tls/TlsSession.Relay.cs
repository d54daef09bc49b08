using System.Buffers;
using System.Net.Sockets;
using Usher.Diagnostics;
using Usher.Gateway.Diagnostics;
using Usher.Gateway.Native;
using Usher.Gateway.Sockets;
using Usher.Sessions;

namespace Usher.Gateway.Tls;

/// <summary>The relay: two loops, client (decrypted) to backend and backend to client (encrypted). Each waits for
/// data with a zero-byte read and rents a buffer only while it moves some, so an idle session holds no relay
/// buffer. The first side to end decides the close reason (classified on its descriptor: FIN, RST, keepalive or
/// user timeout) and stops the other loop.</summary>
internal sealed partial class TlsSession
{
    private const int Client = 0;
    private const int Backend = 1;
    private const int BufferSize = 16 * 1024;

    private async Task RelayAsync()
    {
        var token = _closing.Token;
        var up = FromClientAsync(token);
        var down = FromBackendAsync(token);
        await Task.WhenAny(up, down).ConfigureAwait(false);
        _closing.Cancel();
        await Task.WhenAll(up, down).ConfigureAwait(false);
    }

    private async Task FromClientAsync(CancellationToken token)
    {
        byte[]? buffer = null;
        var side = Client;
        try
        {
            while (true)
            {
                side = Client;
                await _ssl!.ReadAsync(Memory<byte>.Empty, token).ConfigureAwait(false);
                buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
                var read = await _ssl.ReadAsync(buffer, token).ConfigureAwait(false);
                if (read == 0)
                {
                    Ended(Client, PeerEndClassifier.AfterEnd(_clientFd));
                    return;
                }

                Record.AddBytes(fromClient: true, read, Environment.TickCount64);
                side = Backend;
                await _backend!.SendAsync(buffer.AsMemory(0, read), SocketFlags.None, token).ConfigureAwait(false);
                ArrayPool<byte>.Shared.Return(buffer);
                buffer = null;
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
        }
        catch (Exception e) when (e is IOException or SocketException)
        {
            Ended(side, Classify(e, side == Client ? _clientFd : _backendFd));
        }
        finally
        {
            if (buffer is not null)
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }

    private async Task FromBackendAsync(CancellationToken token)
    {
        byte[]? buffer = null;
        var side = Backend;
        try
        {
            while (true)
            {
                side = Backend;
                await _backend!.ReceiveAsync(Memory<byte>.Empty, SocketFlags.None, token).ConfigureAwait(false);
                buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
                var read = await _backend.ReceiveAsync(buffer, SocketFlags.None, token).ConfigureAwait(false);
                if (read == 0)
                {
                    Ended(Backend, PeerEndClassifier.AfterEnd(_backendFd));
                    return;
                }

                Record.AddBytes(fromClient: false, read, Environment.TickCount64);
                side = Client;
                await _ssl!.WriteAsync(buffer.AsMemory(0, read), token).ConfigureAwait(false);
                ArrayPool<byte>.Shared.Return(buffer);
                buffer = null;
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
        }
        catch (Exception e) when (e is IOException or SocketException)
        {
            Ended(side, Classify(e, side == Client ? _clientFd : _backendFd));
        }
        finally
        {
            if (buffer is not null)
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }

    /// <summary>One side ended or died: record why (the first to end decides), remember a dead side for a RST, and
    /// stop the session.</summary>
    private void Ended(int side, PeerEnd end)
    {
        var dead = end is PeerEnd.DeadKeepalive or PeerEnd.DeadUserTimeout;
        var reason = (side, dead) switch
        {
            (Client, true) => CloseReason.ClientDead,
            (Client, false) => CloseReason.ClientClosed,
            (_, true) => CloseReason.BackendDead,
            _ => CloseReason.BackendClosed,
        };
        if (Record.TrySetCloseReason(reason) && dead)
        {
            _clientDead = side == Client;
            _backendDead = side == Backend;
            var deadSide = side == Client ? "client" : "backend";
            var detector = end == PeerEnd.DeadKeepalive ? "keepalive" : "user timeout";
            _context.Logger.PeerDead(Record.Id, Record.Identity.Shown, _context.Settings.Name, deadSide, detector);
            _context.Observe(GatewayEventKind.PeerDead, UsherEvents.PeerDead, Record, $"{deadSide} found dead by {detector}");
        }
        else if (side == Client && end == PeerEnd.Reset)
        {
            // A reset client takes no close_notify.
            _clientDead = true;
        }

        _closing.Cancel();
    }

    /// <summary>How a side ended, from the socket error behind <paramref name="e"/> (the kernel hands an error to one
    /// reader only) or, without one, from the descriptor's state.</summary>
    private static PeerEnd Classify(Exception e, int fd)
    {
        var socketError = (e as SocketException ?? e.InnerException as SocketException)?.SocketErrorCode;
        var errno = socketError is { } error ? Errors.FromSocketError(error) : 0;
        return errno != 0 ? PeerEndClassifier.FromErrno(errno, fd) : PeerEndClassifier.AfterEnd(fd);
    }
}
