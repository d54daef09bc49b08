namespace Usher.Gateway.Audit;

/// <summary>Where <c>usher audit</c> reads the sockets from.</summary>
public enum AuditSource
{
    /// <summary>sock_diag, and /proc/net/tcp where netlink is refused.</summary>
    Auto,

    /// <summary>sock_diag only (fails where netlink is refused).</summary>
    Netlink,

    /// <summary>/proc/net/tcp and /proc/net/tcp6 only.</summary>
    Proc,
}
