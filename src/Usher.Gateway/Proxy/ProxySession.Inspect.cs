namespace Usher.Gateway.Proxy;

/// <summary>Liveness of many sessions at once, for a listing: one posted batch per reactor, not one post per session.</summary>
internal sealed partial class ProxySession
{
    /// <summary>Reads TCP_INFO of <paramref name="sessions"/> on their reactors and stores it on their records.</summary>
    /// <returns>Completes when every reactor has read its batch.</returns>
    public static Task ReadTcpInfoAsync(IEnumerable<ProxySession> sessions)
    {
        var batches = new List<Task>();
        foreach (var batch in sessions.GroupBy(s => s._reactor))
        {
            var reactor = batch.Key;
            var members = batch.ToList();
            if (reactor.OnThread)
            {
                ReadAll(members);
                continue;
            }

            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            reactor.Post(() =>
            {
                ReadAll(members);
                done.TrySetResult();
            });
            batches.Add(done.Task);
        }

        return Task.WhenAll(batches);
    }

    private static void ReadAll(List<ProxySession> members)
    {
        foreach (var session in members)
        {
            session.ReadTcpInfo();
        }
    }
}
