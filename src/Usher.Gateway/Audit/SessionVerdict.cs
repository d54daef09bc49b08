namespace Usher.Gateway.Audit;

/// <summary>What <c>usher audit</c> makes of one session.</summary>
public enum SessionVerdict
{
    /// <summary>Nothing outstanding, or the peer answered recently: no sign it is gone (an idle peer may still be).</summary>
    Ok,

    /// <summary>Data or keepalive probes outstanding and the peer silent past the threshold.</summary>
    Suspect,

    /// <summary>Silent past the host's own budget for declaring a peer dead (tcp_retries2 for unacknowledged data,
    /// the keepalive budget for probes): this host's defaults would have dropped it; the socket lives on only because
    /// its owner set longer timeouts.</summary>
    DeadByNow,
}
