namespace Usher.Redis.Cluster;

/// <summary>A request on the cluster bus, published on the asked node's channel (<c>{prefix}:bus:{node}</c>).</summary>
/// <param name="Id">Random per request: the reply carries it back.</param>
/// <param name="Op">What to do (<see cref="BusOps"/>).</param>
/// <param name="From">The asking node's name.</param>
/// <param name="ReplyTo">The asking process's reply channel (<c>{prefix}:bus:reply:{node}:{instance}</c>); empty when no
/// reply is wanted (a reclaim).</param>
/// <param name="Session">The session's id, for the ops on one session.</param>
/// <param name="Listener">The listener, for listings, kills by identity and reclaims.</param>
/// <param name="Identity">The identity as shown, for listings, kills by identity and reclaims.</param>
/// <param name="By">Who acts, for the asked node's log (9653, 9663).</param>
/// <param name="Fresh">For a listing: read TCP_INFO now.</param>
/// <param name="Suspect">For a fresh listing: only the suspect sessions.</param>
/// <param name="Limit">For a listing: at most this many, the oldest.</param>
internal sealed record BusRequest(
    string Id,
    string Op,
    string From,
    string ReplyTo,
    long Session = 0,
    string? Listener = null,
    string? Identity = null,
    string? By = null,
    bool Fresh = false,
    bool Suspect = false,
    int Limit = int.MaxValue);
