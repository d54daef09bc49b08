using System.Net;
using System.Net.Sockets;
using Usher.Configuration;
using Usher.Gateway.Sockets;

namespace Usher.Gateway.Proxy;

/// <summary>Connects to a listener's backend within ConnectTimeout, with the listener's socket tuning. An address
/// is parsed once; a host name is resolved on each connect, so DNS changes are followed.</summary>
internal sealed class BackendConnector
{
    private readonly ListenerSettings _settings;
    private readonly IPEndPoint? _fixed;

    public BackendConnector(ListenerSettings settings)
    {
        _settings = settings;
        if (IPAddress.TryParse(settings.BackendHost, out var address))
        {
            _fixed = new IPEndPoint(address, settings.BackendPort);
        }
    }

    /// <summary>Connects; throws <see cref="SocketException"/> (refused, unreachable) or
    /// <see cref="TimeoutException"/> (ConnectTimeout passed).</summary>
    public async ValueTask<Socket> ConnectAsync(CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_settings.ConnectTimeout);
        var endpoint = _fixed ?? await ResolveAsync(timeout.Token).ConfigureAwait(false);
        var socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            SocketTuning.Apply(socket, _settings.Keepalive, _settings.UserTimeout);
            await socket.ConnectAsync(endpoint, timeout.Token).ConfigureAwait(false);
            return socket;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            socket.Dispose();
            throw new TimeoutException($"no answer within ConnectTimeout {_settings.ConnectTimeout}");
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private async ValueTask<IPEndPoint> ResolveAsync(CancellationToken cancellationToken)
    {
        var addresses = await Dns.GetHostAddressesAsync(_settings.BackendHost, cancellationToken).ConfigureAwait(false);
        if (addresses.Length == 0)
        {
            throw new SocketException((int)SocketError.HostNotFound);
        }

        return new IPEndPoint(addresses[Random.Shared.Next(addresses.Length)], _settings.BackendPort);
    }
}
