using System.Collections.Concurrent;

namespace Usher.Gateway.Proxy;

/// <summary>The open sessions of a gateway, by id: walked by the heartbeat (idle timeouts), the admin API and
/// shutdown. Sessions of listeners that terminate TLS are sessions like any other (TLS is their transport). Reclaim
/// finds an identity's sessions through an index by listener and identity, not by walking every session.</summary>
internal sealed class SessionRegistry
{
    private readonly ConcurrentDictionary<long, ProxySession> _sessions = new();
    // Listener and identity → the sessions counted under them. Written once per session on each side of its life,
    // under one short lock; a set is dropped with its last session, so idle identities cost nothing.
    private readonly Dictionary<(string Listener, string Identity), HashSet<ProxySession>> _byIdentity = [];
    private readonly Lock _indexLock = new();
    private long _nextId;

    /// <summary>Sessions open now.</summary>
    public int Count => _sessions.Count;

    /// <summary>The open sessions.</summary>
    public IEnumerable<ProxySession> Sessions => _sessions.Values;

    /// <summary>Every open session, as the admin API and shutdown see them.</summary>
    public IEnumerable<IGatewaySession> All => _sessions.Values;

    /// <summary>The open sessions of one identity on one listener (a snapshot), found through the index.</summary>
    public IReadOnlyList<ProxySession> Of(string listener, string identity)
    {
        lock (_indexLock)
        {
            return _byIdentity.TryGetValue((listener, identity), out var sessions) ? [.. sessions] : [];
        }
    }

    /// <summary>A new session id.</summary>
    public long NextId() => Interlocked.Increment(ref _nextId);

    /// <summary>The open session <paramref name="id"/>; <c>null</c> when none is open with that id.</summary>
    public IGatewaySession? Find(long id) => _sessions.GetValueOrDefault(id);

    /// <summary>Finds a session.</summary>
    public bool TryGet(long id, out ProxySession? session) => _sessions.TryGetValue(id, out session);

    /// <summary>Adds an admitted session, indexed under its listener and the identity it was admitted as.</summary>
    internal void Add(ProxySession session)
    {
        var key = (session.Record.Listener, session.Record.Identity.Value);
        lock (_indexLock)
        {
            if (!_byIdentity.TryGetValue(key, out var sessions))
            {
                _byIdentity[key] = sessions = [];
            }

            sessions.Add(session);
            session.RegistryKey = key;
        }

        _sessions[session.Record.Id] = session;
    }

    /// <summary>Removes a session, from the index entry it was added under (whatever its record says now).</summary>
    internal void Remove(ProxySession session)
    {
        _sessions.TryRemove(session.Record.Id, out _);
        lock (_indexLock)
        {
            if (session.RegistryKey is { } key && _byIdentity.TryGetValue(key, out var sessions)
                && sessions.Remove(session) && sessions.Count == 0)
            {
                _byIdentity.Remove(key);
            }

            session.RegistryKey = null;
        }
    }

    /// <summary>Identities indexed now, per listener (for tests: an identity's entry goes with its last session).</summary>
    internal int IndexedIdentities
    {
        get
        {
            lock (_indexLock)
            {
                return _byIdentity.Count;
            }
        }
    }
}
