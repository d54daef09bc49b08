namespace Usher.Control;

/// <summary>Where an open session is in its life, as the admin API shows it.</summary>
public enum SessionState
{
    /// <summary>Its backend connection is not established yet.</summary>
    Connecting,

    /// <summary>Bytes flow both ways.</summary>
    Relaying,

    /// <summary>A reclaim is probing its client (is it still there?).</summary>
    Probing,

    /// <summary>It is ending: a close reason is set, its sockets and slot are being released.</summary>
    Closing,
}
