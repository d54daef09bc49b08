using System.Net.Security;
using System.Net.Sockets;
using Usher.Diagnostics;
using Usher.Gateway.Native;
using Usher.Sessions;

namespace Usher.Gateway.Tls;

/// <summary>The end of a session, whatever ended it: the sockets are closed (close_notify first to a live client
/// whose handshake completed, RST to a dead peer), then the lease is released, once, and the close is counted and
/// logged (9642).</summary>
internal sealed partial class TlsSession
{
    /// <summary>Closes both sides (close_notify to a live client that completed its handshake, RST to a dead peer),
    /// releases the lease, logs the close. Runs once, after every read and write of the session has ended. The
    /// backend is closed first (it has its FIN before a newcomer can take the slot), then the slot is released, and
    /// the client is closed last, so a client that reconnects as soon as it sees the end finds its slot free.</summary>
    private async Task EndAsync()
    {
        try
        {
            CloseBackend();
            Release();
            await CloseClientAsync().ConfigureAwait(false);
        }
        finally
        {
            Release();
            _descriptors.Release(_context);
            _closing.Dispose();
            _completion.TrySetResult();
        }
    }

    private void Release()
    {
        if (_context.Stopping.IsCancellationRequested)
        {
            Record.TrySetCloseReason(CloseReason.Shutdown);
        }

        if (_lease is not null && _lease.Release(Record.CloseReason))
        {
            _context.Registry.Remove(this);
            _context.CountClosed(Record);
        }
    }

    private void CloseBackend()
    {
        if (_backendDead && _backendFd >= 0)
        {
            Errors.Abort(_backendFd);
        }

        _backend?.Dispose();
    }

    private async Task CloseClientAsync()
    {
        if (_ssl is { IsAuthenticated: true } ssl && !_clientDead)
        {
            await SendCloseNotifyAsync(ssl).ConfigureAwait(false);
        }

        if (_clientDead)
        {
            Errors.Abort(_clientFd);
        }

        if (_ssl is not null)
        {
            await _ssl.DisposeAsync().ConfigureAwait(false);
        }
        else if (_client is not null)
        {
            _client.Dispose();
        }
        else if (_handle is not null)
        {
            _handle.Dispose();
        }
        else
        {
            Libc.Close(_clientFd);
        }
    }

    /// <summary>Ends the TLS session properly, so the client can tell a close from a truncation; a client that
    /// does not take the alert within a second is closed anyway.</summary>
    private static async Task SendCloseNotifyAsync(SslStream ssl)
    {
        try
        {
            await ssl.ShutdownAsync().WaitAsync(TimeSpan.FromSeconds(1)).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or TimeoutException
            or InvalidOperationException or NotSupportedException)
        {
            // The client is gone or not reading: closing the socket is all that is left.
        }
    }
}
