using System.Net;

namespace Usher.Gateway.Proxy;

/// <summary>A listener's connections still in their handshake (TLS, PROXY header, the protocol's first message, an
/// IMAP login), counted by source address, so one address cannot hold the whole descriptor budget with connections
/// that never say who they are (<c>MaxHandshakesPerSource</c>). Kept across reloads with the listener's state; an
/// address is forgotten when its last handshake ends. The reactors of a listener share it: a short lock, taken only
/// when a handshake starts or ends.</summary>
internal sealed class HandshakesPerSource
{
    private readonly Dictionary<IPAddress, int> _open = [];
    private readonly Lock _lock = new();

    /// <summary>Addresses with a handshake under way.</summary>
    public int Sources
    {
        get
        {
            lock (_lock)
            {
                return _open.Count;
            }
        }
    }

    /// <summary>Handshakes under way from <paramref name="address"/>.</summary>
    public int Of(IPAddress address)
    {
        lock (_lock)
        {
            return _open.GetValueOrDefault(Normalize(address));
        }
    }

    /// <summary>Counts one more handshake from <paramref name="address"/> unless it has <paramref name="max"/> already.</summary>
    public bool TryEnter(IPAddress address, int max)
    {
        address = Normalize(address);
        lock (_lock)
        {
            var open = _open.GetValueOrDefault(address);
            if (open >= max)
            {
                return false;
            }

            _open[address] = open + 1;
            return true;
        }
    }

    /// <summary>A handshake from <paramref name="address"/> ended (admitted, relayed or closed).</summary>
    public void Leave(IPAddress address)
    {
        address = Normalize(address);
        lock (_lock)
        {
            if (!_open.TryGetValue(address, out var open))
            {
                return;
            }

            if (open <= 1)
            {
                _open.Remove(address);
            }
            else
            {
                _open[address] = open - 1;
            }
        }
    }

    private static IPAddress Normalize(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
}
