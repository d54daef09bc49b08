using System.Net.Sockets;
using Usher.Gateway.Sockets;

namespace Usher.Gateway.Proxy;

/// <summary>Which end of a relay stopped it.</summary>
public enum RelayStop
{
    /// <summary>The source ended (see <see cref="RelayResult.PeerEnd"/>).</summary>
    Source,
    /// <summary>Writing to the destination failed.</summary>
    Destination,
    /// <summary>The session closed the sockets (kill, idle timeout, shutdown, the other direction ended).</summary>
    Aborted,
}

/// <summary>Why one direction of a session stopped: a typed result, not an exception.</summary>
public readonly record struct RelayResult(RelayStop Stop, PeerEnd PeerEnd, SocketError Error)
{
    /// <summary>The relay was stopped by the session.</summary>
    public static RelayResult Aborted => new(RelayStop.Aborted, PeerEnd.Closed, SocketError.OperationAborted);
}
