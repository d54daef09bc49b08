using Usher.Ledger;

namespace Usher.EndToEnd.Tests.Redis;

/// <summary>A lease standing for a session: named by its id, and telling when the ledger revokes it.</summary>
internal sealed class SessionLease(long id) : Lease
{
    private readonly TaskCompletionSource<string> _revoked = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public override long? SessionId => id;

    /// <summary>Completes with the reason when the ledger revokes the lease.</summary>
    public Task<string> Revoked => _revoked.Task;

    protected override void OnRevoked(string why) => _revoked.TrySetResult(why);
}
