namespace Usher.Ledger;

/// <summary>One admitted session's place in the ledger. <see cref="Release"/> gives it back; calling it again
/// does nothing, so every path that ends a session may call it.</summary>
public abstract class Lease
{
    private int _released;

    /// <summary>Creates a lease.</summary>
    protected Lease(string identity) => Identity = identity;

    /// <summary>The identity the lease counts against.</summary>
    public string Identity { get; }

    /// <summary>Whether the lease was released.</summary>
    public bool IsReleased => Volatile.Read(ref _released) != 0;

    /// <summary>Releases the lease; only the first call has an effect.</summary>
    /// <returns><c>true</c> for the call that released it.</returns>
    public bool Release()
    {
        if (Interlocked.Exchange(ref _released, 1) != 0)
        {
            return false;
        }

        OnRelease();
        return true;
    }

    /// <summary>Gives the counted place back; called exactly once.</summary>
    protected abstract void OnRelease();
}
