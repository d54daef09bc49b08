using System.Net.Sockets;
using Usher.Ledger;
using Usher.Sessions;

namespace Usher.Gateway.Tls;

/// <summary>A client's end seen while the session waits before its relay (for a place in its identity's line, or for
/// the backend's connect): a peek at the client socket completes on its FIN or reset, and the wait stops at once, so
/// a client that gives up leaves the line or frees its slot without waiting for a deadline.</summary>
internal sealed partial class TlsSession
{
    private volatile bool _clientLeft;

    /// <summary>Cancels <paramref name="wait"/> when the client sends its FIN or resets; data means the client is
    /// there, and the watch stops (its FIN will be read by the relay).</summary>
    private async Task WatchClientAsync(CancellationTokenSource wait)
    {
        var probe = new byte[1];
        try
        {
            if (await _client!.ReceiveAsync(probe, SocketFlags.Peek, wait.Token).ConfigureAwait(false) > 0)
            {
                return;
            }
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
        {
            return;
        }
        catch (SocketException)
        {
            // Reset: gone as surely as a FIN.
        }

        _clientLeft = true;
        Record.TrySetCloseReason(CloseReason.ClientClosed);
        try
        {
            await wait.CancelAsync().ConfigureAwait(false);
        }
        catch (ObjectDisposedException)
        {
            // The wait ended meanwhile.
        }
    }

    /// <summary>Refused by the identity's limit: waits in the identity's line (ClosingWait) for a place handed over by
    /// a session that ends, while watching the client.</summary>
    private async Task<Admission> WaitForPlaceAsync(Admission refusal)
    {
        var settings = _context.Settings;
        var identity = Record.Identity.Value;
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(_closing.Token);
        wait.CancelAfter(settings.ClosingWait);
        var watch = WatchClientAsync(wait);
        var admission = await _context.Ledger.AdmitOrWaitAsync(_context.Scope, identity, settings.LimitFor(identity), null, wait.Token)
            .ConfigureAwait(false);
        await wait.CancelAsync().ConfigureAwait(false);
        await watch.ConfigureAwait(false);
        if (_clientLeft || _closing.IsCancellationRequested)
        {
            // Gone while waiting: a place handed over meanwhile goes on at once.
            admission.Lease?.Release(Record.CloseReason);
            return new Admission(null, RefusedBy.None, refusal.Count, refusal.Limit);
        }

        return admission;
    }
}
