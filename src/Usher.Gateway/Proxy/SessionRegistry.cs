using System.Collections.Concurrent;

namespace Usher.Gateway.Proxy;

/// <summary>The open sessions of a gateway, by id: walked by the heartbeat (idle timeouts), the admin API and
/// shutdown. Sessions of listeners that terminate TLS are sessions like any other (TLS is their transport).</summary>
public sealed class SessionRegistry
{
    private readonly ConcurrentDictionary<long, ProxySession> _sessions = new();
    private long _nextId;

    /// <summary>Sessions open now.</summary>
    public int Count => _sessions.Count;

    /// <summary>The open sessions.</summary>
    public IEnumerable<ProxySession> Sessions => _sessions.Values;

    /// <summary>Every open session, as the admin API and shutdown see them.</summary>
    public IEnumerable<IGatewaySession> All => _sessions.Values;

    /// <summary>The open sessions of one identity on one listener.</summary>
    public IEnumerable<ProxySession> Of(string listener, string identity)
    {
        foreach (var session in _sessions.Values)
        {
            if (session.Record.Identity.Value == identity && session.Record.Listener == listener)
            {
                yield return session;
            }
        }
    }

    /// <summary>A new session id.</summary>
    public long NextId() => Interlocked.Increment(ref _nextId);

    /// <summary>The open session <paramref name="id"/>; <c>null</c> when none is open with that id.</summary>
    public IGatewaySession? Find(long id) => _sessions.GetValueOrDefault(id);

    /// <summary>Finds a session.</summary>
    public bool TryGet(long id, out ProxySession? session) => _sessions.TryGetValue(id, out session);

    internal void Add(ProxySession session) => _sessions[session.Record.Id] = session;

    internal void Remove(ProxySession session) => _sessions.TryRemove(session.Record.Id, out _);
}
