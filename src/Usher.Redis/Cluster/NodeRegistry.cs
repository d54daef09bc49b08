using StackExchange.Redis;
using Usher.Control;

namespace Usher.Redis.Cluster;

/// <summary>Which nodes are alive: each node announces itself in a sorted set (<c>{prefix}:nodes</c>, member the node's
/// name, score the moment its announcement lapses, in Unix milliseconds) and renews it every third of
/// <c>LeaseTtl</c>; its instance id is kept beside it (<c>{prefix}:nodes:instance</c>). A node that dies (SIGKILL, power
/// off) drops out within LeaseTtl; one that stops leaves at once.</summary>
internal sealed class NodeRegistry(RedisConnection connection, TimeProvider time)
{
    private readonly RedisKey _nodes = connection.Key("nodes");
    private readonly RedisKey _instances = connection.Key("nodes:instance");
    private List<ClusterMember> _lastKnown = [];

    /// <summary>How often the announcement is renewed: a third of LeaseTtl, at least every second.</summary>
    public TimeSpan RenewEvery => TimeSpan.FromMilliseconds(Math.Max(1000, connection.Settings.LeaseTtl.TotalMilliseconds / 3));

    /// <summary>Announces (or renews) this node until LeaseTtl from now, and drops the announcements that lapsed; not
    /// while another process announces the same name and its announcement has not lapsed (two nodes of one name: a
    /// copied configuration, or <c>Ledger:Node</c> left to the machine's name on a machine that runs two).</summary>
    /// <returns>Whether the name is this process's now, or whose it is, or that Redis did not answer.</returns>
    public async Task<Announcement> AnnounceAsync()
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var until = now + (long)connection.Settings.LeaseTtl.TotalMilliseconds;
        try
        {
            var db = connection.Multiplexer.GetDatabase();
            var holder = db.HashGetAsync(_instances, connection.Node);
            var lapses = db.SortedSetScoreAsync(_nodes, connection.Node);
            await Task.WhenAll(holder, lapses).WaitAsync(connection.Timeout * 4).ConfigureAwait(false);
            if (!holder.Result.IsNullOrEmpty && holder.Result != connection.Instance && lapses.Result is { } lapse && lapse > now)
            {
                // Someone else's, alive (or a previous life of this node, killed less than LeaseTtl ago: it lapses).
                return new Announcement(true, holder.Result!, DateTimeOffset.FromUnixTimeMilliseconds((long)lapse));
            }

            var batch = db.CreateBatch();
            var add = batch.SortedSetAddAsync(_nodes, connection.Node, until);
            var instance = batch.HashSetAsync(_instances, connection.Node, connection.Instance);
            var prune = batch.SortedSetRemoveRangeByScoreAsync(_nodes, double.NegativeInfinity, now, Exclude.Stop);
            batch.Execute();
            await Task.WhenAll(add, instance, prune).WaitAsync(connection.Timeout * 4).ConfigureAwait(false);
            return Announcement.Held;
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            return Announcement.Unreachable;
        }
    }

    /// <summary>Takes this node's announcement back (a graceful stop), if it is still this process's.</summary>
    public async Task LeaveAsync()
    {
        try
        {
            var db = connection.Multiplexer.GetDatabase();
            if (await db.HashGetAsync(_instances, connection.Node).WaitAsync(connection.Timeout * 4).ConfigureAwait(false) == connection.Instance)
            {
                await db.SortedSetRemoveAsync(_nodes, connection.Node).WaitAsync(connection.Timeout * 4).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            // Redis is away: the announcement lapses by itself within LeaseTtl.
        }
    }

    /// <summary>The nodes alive now, this one first, then by name. When Redis does not answer, the nodes known at the
    /// last answer, with Reachable <c>false</c>.</summary>
    public async Task<(IReadOnlyList<ClusterMember> Nodes, bool Reachable)> AliveAsync()
    {
        var now = time.GetUtcNow();
        try
        {
            var db = connection.Multiplexer.GetDatabase();
            var entries = await db.SortedSetRangeByScoreWithScoresAsync(_nodes, now.ToUnixTimeMilliseconds(), double.PositiveInfinity, Exclude.Start)
                .WaitAsync(connection.Timeout * 4).ConfigureAwait(false);
            var instances = entries.Length == 0 ? []
                : await db.HashGetAsync(_instances, entries.Select(e => e.Element).ToArray()).WaitAsync(connection.Timeout * 4).ConfigureAwait(false);
            var nodes = entries
                .Select((e, i) => new ClusterMember(e.Element!, instances[i].IsNull ? string.Empty : instances[i]!,
                    DateTimeOffset.FromUnixTimeMilliseconds((long)e.Score), e.Element == connection.Node))
                .ToList();
            if (!nodes.Any(n => n.Self))
            {
                // Not announced yet (or it lapsed while Redis was away): this node is alive all the same.
                nodes.Add(Self(now));
            }

            _lastKnown = Order(nodes);
            return (_lastKnown, true);
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            IReadOnlyList<ClusterMember> known = _lastKnown.Count == 0 ? [Self(now)] : _lastKnown;
            return (known, false);
        }
    }

    private ClusterMember Self(DateTimeOffset now) => new(connection.Node, connection.Instance, now + connection.Settings.LeaseTtl, true);

    private static List<ClusterMember> Order(List<ClusterMember> nodes) =>
        nodes.OrderBy(n => n.Self ? 0 : 1).ThenBy(n => n.Name, StringComparer.Ordinal).ToList();
}
