using System.Net;

namespace Usher.Gateway.Proxy;

/// <summary>What one connection holds of the descriptor budget (<see cref="AcceptGate"/>): its two descriptors from
/// accept to close, the socketpair reserved for its TLS bridge until the bridge takes it over, and its address's
/// place among the listener's handshakes until its handshake ends. A field of the
/// session (a struct: nothing allocated); every method acts once, whatever calls it again.</summary>
internal struct DescriptorHold
{
    private bool _held;
    private bool _backendOpened;
    private int _bridges;
    private IPAddress? _handshakeSource;

    /// <summary>The hold of a connection the gate let in, with the socketpairs of <paramref name="bridges"/> TLS bridges.</summary>
    public static DescriptorHold Taken(IPAddress? handshakeSource, int bridges = 0) =>
        new() { _held = true, _handshakeSource = handshakeSource, _bridges = bridges };

    /// <summary>Hands one reserved socketpair to a TLS bridge, which gives it back itself when it ends.</summary>
    /// <returns><c>false</c> when none is reserved (the bridge takes its pair from the budget).</returns>
    public bool HandToBridge()
    {
        if (!_held || _bridges == 0)
        {
            return false;
        }

        _bridges--;
        return true;
    }

    /// <summary>The backend socket was opened: the descriptor promised at accept is now open.</summary>
    public void BackendOpened(ListenerContext context)
    {
        if (_held && !_backendOpened)
        {
            _backendOpened = true;
            context.Budget.BackendOpened();
        }
    }

    /// <summary>The handshake ended (identified, relayed, closed): the address has one handshake fewer.</summary>
    public void LeaveHandshake(ListenerContext context)
    {
        if (_handshakeSource is { } source)
        {
            _handshakeSource = null;
            context.State.Handshakes.Leave(source);
        }
    }

    /// <summary>Both sockets are closed: their descriptors go back to the budget.</summary>
    public void Release(ListenerContext context)
    {
        LeaveHandshake(context);
        if (_held)
        {
            _held = false;
            context.Budget.ReleaseConnection(_backendOpened, _bridges);
            _bridges = 0;
        }
    }
}
