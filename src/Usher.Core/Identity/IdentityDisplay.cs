namespace Usher.Identity;

/// <summary>How a listener shows its identities in logs, the admin API, the dashboard and the CLI
/// (<c>IdentityDisplay</c>). Counting never changes: the ledger and <c>Overrides</c> use the identity as read.</summary>
public enum IdentityDisplay
{
    /// <summary>As read: <c>alice</c>.</summary>
    Clear = 0,

    /// <summary>A keyed hash (HMAC-SHA256 under <c>IdentityHashKeyFile</c>), <c>hmac:</c> and 16 hex digits: stable
    /// for one key, and telling nothing of the value to whoever lacks the key.</summary>
    Hash,

    /// <summary>The first characters, at most 4 and at most a quarter of the value, then <c>…</c>: <c>sk_l…</c>.</summary>
    Prefix,
}
