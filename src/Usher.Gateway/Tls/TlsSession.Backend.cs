using System.Net;
using System.Net.Sockets;
using Usher.Diagnostics;
using Usher.Gateway.Sockets;
using Usher.Ledger;
using Usher.Protocols.Proxy;
using Usher.Sessions;

namespace Usher.Gateway.Tls;

/// <summary>Admission and the backend connect: the identity goes to the ledger in the listener's scope; refused, the
/// client gets close_notify after the refusal is counted and logged (9646, folded); admitted, the backend is
/// connected (plain TCP, the listener's socket tuning, within ConnectTimeout, 9652 on failure) and sent a PROXY v2
/// header first when SendProxy is set.</summary>
internal sealed partial class TlsSession
{
    /// <returns><c>true</c> when admitted.</returns>
    private async Task<bool> AdmitAsync()
    {
        var settings = _context.Settings;
        var identity = Record.Identity.Value;
        var admission = await _context.Ledger.TryAdmitAsync(_context.Scope, identity, settings.LimitFor(identity), _closing.Token)
            .ConfigureAwait(false);
        if (!admission.Admitted && admission.RefusedBy == RefusedBy.Identity && settings.ClosingWait > TimeSpan.Zero)
        {
            admission = await WaitForPlaceAsync(admission).ConfigureAwait(false);
        }

        if (!admission.Admitted)
        {
            if (admission.RefusedBy != RefusedBy.None)
            {
                Refuse(admission);
            }

            return false;
        }

        _lease = admission.Lease;
        _context.Registry.Add(this);
        _context.CountAdmitted(Record);
        return Record.CloseReason == CloseReason.None;
    }

    private void Refuse(Admission admission)
    {
        Record.TrySetCloseReason(CloseReason.Refused);
        _context.CountRefusal(Record, admission);
    }

    /// <summary>Connects the backend within ConnectTimeout while watching the client, whose FIN or reset ends the
    /// connect at once.</summary>
    /// <returns><c>true</c> when the backend is connected.</returns>
    private async Task<bool> ConnectAsync()
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_closing.Token);
        timeout.CancelAfter(_context.Settings.ConnectTimeout);
        var watch = WatchClientAsync(timeout);
        bool connected;
        try
        {
            connected = await ConnectCoreAsync(timeout).ConfigureAwait(false);
        }
        finally
        {
            await timeout.CancelAsync().ConfigureAwait(false);
            await watch.ConfigureAwait(false);
        }

        return connected && !_clientLeft;
    }

    private async Task<bool> ConnectCoreAsync(CancellationTokenSource timeout)
    {
        var settings = _context.Settings;
        IPEndPoint endpoint;
        try
        {
            endpoint = await ResolveAsync(timeout.Token).ConfigureAwait(false);
            _backend = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            _backendFd = (int)_backend.Handle;
            _descriptors.BackendOpened(_context);
            if (SocketTuning.Apply(_backendFd, settings.Keepalive, settings.UserTimeout) is var error and not 0)
            {
                return BackendUnavailable($"cannot tune the socket: {Native.Errors.Describe(error)}");
            }

            await _backend.ConnectAsync(endpoint, timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (_closing.IsCancellationRequested || _clientLeft)
        {
            // Shut down, or the client left while the backend was connecting: its slot is free at once.
            return false;
        }
        catch (OperationCanceledException)
        {
            return BackendUnavailable($"no answer within ConnectTimeout {settings.ConnectTimeout}");
        }
        catch (SocketException e) when (_backend is null)
        {
            return BackendUnavailable($"cannot resolve \"{settings.BackendHost}\": {e.Message}");
        }
        catch (SocketException e)
        {
            return BackendUnavailable(e.SocketErrorCode.ToString());
        }

        Record.Backend = endpoint;
        Record.BackendLocal = _backend.LocalEndPoint;
        if (settings.SendProxy && !await SendProxyHeaderAsync().ConfigureAwait(false))
        {
            return false;
        }

        if (_context.Logger.IsEnabled(Microsoft.Extensions.Logging.LogLevel.Debug))
        {
            var identity = Record.Identity.Value;
            _context.Logger.SessionOpened(Record.Id, Record.Identity.Shown, settings.Name, Record.Client, Record.Backend,
                _context.Ledger.Count(_context.Scope, identity), settings.LimitFor(identity));
        }

        return true;
    }

    /// <summary>The backend's address: parsed when it is one, else resolved now (DNS changes are followed).</summary>
    private async Task<IPEndPoint> ResolveAsync(CancellationToken cancellationToken)
    {
        var settings = _context.Settings;
        if (IPAddress.TryParse(settings.BackendHost, out var address))
        {
            return new IPEndPoint(address, settings.BackendPort);
        }

        var addresses = await Dns.GetHostAddressesAsync(settings.BackendHost, cancellationToken).ConfigureAwait(false);
        if (addresses.Length == 0)
        {
            throw new SocketException((int)SocketError.HostNotFound);
        }

        return new IPEndPoint(addresses[Random.Shared.Next(addresses.Length)], settings.BackendPort);
    }

    private async Task<bool> SendProxyHeaderAsync()
    {
        if (Record.Client is not IPEndPoint source || _client!.LocalEndPoint is not IPEndPoint destination)
        {
            return true;
        }

        var header = new byte[ProxyHeaderWriter.MaxV2Length];
        var length = ProxyHeaderWriter.WriteV2(header, source, destination);
        try
        {
            await _backend!.SendAsync(header.AsMemory(0, length), SocketFlags.None, _closing.Token).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
        catch (SocketException e)
        {
            Ended(Backend, Classify(e, _backendFd));
            return false;
        }
    }

    private bool BackendUnavailable(string problem)
    {
        Record.TrySetCloseReason(CloseReason.BackendUnavailable);
        _context.Metrics.BackendFailed(_context.Settings.Name);
        var elapsed = (long)(_context.Time.GetUtcNow() - Record.StartedAt).TotalMilliseconds;
        _context.Logger.BackendUnavailable(_context.Settings.Backend, _context.Settings.Name, Record.Client,
            Record.Identity.Shown, problem, elapsed);
        return false;
    }
}
