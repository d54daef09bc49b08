using System.Net;
using Usher.Identity;

namespace Usher.Sessions;

/// <summary>What is known of one session: who, where, since when, how much, and why it ended. The relay updates
/// the counters with plain writes (one writer per direction); readers see values at most one read old.</summary>
public sealed class SessionRecord
{
    private long _lastActivityTicks;
    private long _bytesFromClient;
    private long _bytesFromBackend;
    private int _closeReason;
    private EndPoint? _backendLocal;
    private IBackendLocalSource? _backendLocalSource;

    /// <summary>Creates the record of a session that starts now.</summary>
    public SessionRecord(long id, string listener, SessionIdentity identity, EndPoint client, DateTimeOffset startedAt, long nowTicks)
    {
        Id = id;
        Listener = listener;
        Identity = identity;
        Client = client;
        StartedAt = startedAt;
        _lastActivityTicks = nowTicks;
    }

    /// <summary>The session's id, unique in the process.</summary>
    public long Id { get; }

    /// <summary>The listener's name.</summary>
    public string Listener { get; }

    /// <summary>Who the session belongs to.</summary>
    public SessionIdentity Identity { get; private set; }

    /// <summary>The client's address as seen by the gateway (or as told by a trusted PROXY header).</summary>
    public EndPoint Client { get; private set; }

    /// <summary>The address the connection came from when a trusted proxy told the original client's.</summary>
    public EndPoint? Proxy { get; private set; }

    /// <summary>The client connection as the kernel saw it at the last liveness read (on demand, and when a reclaim
    /// probes the session); <c>null</c> before any.</summary>
    public TcpSnapshot? ClientTcp { get; private set; }

    /// <summary>The backend connection as the kernel saw it at the last liveness read.</summary>
    public TcpSnapshot? BackendTcp { get; private set; }

    /// <summary>When <see cref="ClientTcp"/> and <see cref="BackendTcp"/> were read.</summary>
    public DateTimeOffset? TcpReadAt { get; private set; }

    /// <summary>Records a liveness read.</summary>
    public void SetTcp(TcpSnapshot? client, TcpSnapshot? backend, DateTimeOffset at)
    {
        ClientTcp = client;
        BackendTcp = backend;
        TcpReadAt = at;
    }

    /// <summary>Sets the identity learnt from the handshake (before admission).</summary>
    public void Identify(SessionIdentity identity) => Identity = identity;

    /// <summary>Records the original client a trusted proxy reported; the proxy's own address is kept apart.</summary>
    public void ProxiedFor(EndPoint client)
    {
        Proxy = Client;
        Client = client;
    }

    /// <summary>The backend address the session is connected to, once connected.</summary>
    public EndPoint? Backend { get; set; }

    /// <summary>The gateway's own address on the backend connection, once connected: set, or read when first asked
    /// from the source given to <see cref="Connected"/>.</summary>
    public EndPoint? BackendLocal
    {
        get
        {
            if (_backendLocal is null && Volatile.Read(ref _backendLocalSource) is { } source && source.ReadBackendLocal() is { } local)
            {
                _backendLocal = local;
            }

            return _backendLocal;
        }

        set => _backendLocal = value;
    }

    /// <summary>Records that the backend connection is made; <see cref="BackendLocal"/> is asked of
    /// <paramref name="source"/> when first read.</summary>
    public void Connected(IBackendLocalSource source) => Volatile.Write(ref _backendLocalSource, source);

    /// <summary>When the session was accepted.</summary>
    public DateTimeOffset StartedAt { get; }

    /// <summary>When data last moved in either direction, in <see cref="Environment.TickCount64"/> milliseconds.</summary>
    public long LastActivityTicks => Volatile.Read(ref _lastActivityTicks);

    /// <summary>Bytes relayed from the client to the backend.</summary>
    public long BytesFromClient => Volatile.Read(ref _bytesFromClient);

    /// <summary>Bytes relayed from the backend to the client.</summary>
    public long BytesFromBackend => Volatile.Read(ref _bytesFromBackend);

    /// <summary>Why the session ended; <see cref="CloseReason.None"/> while open.</summary>
    public CloseReason CloseReason => (CloseReason)Volatile.Read(ref _closeReason);

    /// <summary>Records bytes moved in one direction and the activity time.</summary>
    public void AddBytes(bool fromClient, int count, long nowTicks)
    {
        if (fromClient)
        {
            Volatile.Write(ref _bytesFromClient, _bytesFromClient + count);
        }
        else
        {
            Volatile.Write(ref _bytesFromBackend, _bytesFromBackend + count);
        }

        Volatile.Write(ref _lastActivityTicks, nowTicks);
    }

    /// <summary>Sets the close reason unless one is set already.</summary>
    /// <returns><c>true</c> when this call decided the reason.</returns>
    public bool TrySetCloseReason(CloseReason reason) =>
        Interlocked.CompareExchange(ref _closeReason, (int)reason, (int)CloseReason.None) == (int)CloseReason.None;
}
