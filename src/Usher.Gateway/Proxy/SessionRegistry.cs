using System.Collections.Concurrent;
using Usher.Gateway.Tls;

namespace Usher.Gateway.Proxy;

/// <summary>The open sessions of a gateway, by id: walked by the heartbeat (idle timeouts), the admin API and
/// shutdown. Sessions relayed by the reactors and sessions of listeners that terminate TLS are kept apart (reclaim
/// acts on the former only); <see cref="Count"/> and <see cref="All"/> cover both.</summary>
internal sealed class SessionRegistry
{
    private readonly ConcurrentDictionary<long, ProxySession> _sessions = new();
    private readonly ConcurrentDictionary<long, IGatewaySession> _streams = new();
    private long _nextId;

    /// <summary>Sessions open now, of every kind.</summary>
    public int Count => _sessions.Count + _streams.Count;

    /// <summary>The open sessions relayed by the reactors.</summary>
    public IEnumerable<ProxySession> Sessions => _sessions.Values;

    /// <summary>Every open session: those relayed by the reactors and those of listeners that terminate TLS.</summary>
    public IEnumerable<IGatewaySession> All => _sessions.Values.Concat<IGatewaySession>(_streams.Values);

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

    /// <summary>The open session <paramref name="id"/>, of whatever kind; <c>null</c> when none is open with that id.</summary>
    public IGatewaySession? Find(long id) =>
        _sessions.TryGetValue(id, out var session) ? session : _streams.GetValueOrDefault(id);

    /// <summary>Finds a session.</summary>
    public bool TryGet(long id, out ProxySession? session) => _sessions.TryGetValue(id, out session);

    internal void Add(ProxySession session) => _sessions[session.Record.Id] = session;

    internal void Remove(ProxySession session) => _sessions.TryRemove(session.Record.Id, out _);

    internal void Add(TlsSession session) => _streams[session.Record.Id] = session;

    internal void Remove(TlsSession session) => _streams.TryRemove(session.Record.Id, out _);
}
