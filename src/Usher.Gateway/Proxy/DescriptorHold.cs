using System.Net;

namespace Usher.Gateway.Proxy;

/// <summary>What one connection holds of the descriptor budget (<see cref="AcceptGate"/>): its two descriptors from
/// accept to close, and its address's place among the listener's handshakes until its handshake ends. A field of the
/// session (a struct: nothing allocated); every method acts once, whatever calls it again.</summary>
internal struct DescriptorHold
{
    private bool _held;
    private bool _backendOpened;
    private IPAddress? _handshakeSource;

    /// <summary>The hold of a connection the gate let in.</summary>
    public static DescriptorHold Taken(IPAddress? handshakeSource) => new() { _held = true, _handshakeSource = handshakeSource };

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
            context.Budget.ReleaseConnection(_backendOpened);
        }
    }
}
