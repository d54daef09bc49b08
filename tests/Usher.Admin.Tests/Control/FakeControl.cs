using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Net;
using Usher.Configuration;
using Usher.Control;
using Usher.Diagnostics;
using Usher.Identity;
using Usher.Sessions;

namespace Usher.Admin.Tests.Control;

/// <summary>A gateway that is only its control interface: one listener "pg", one session (id 7, alice, probing),
/// a meter of its own. For the wiring of the admin endpoint alone; the behaviour of a real gateway behind it is
/// what the other admin tests check.</summary>
internal sealed class FakeControl : IGatewayControl, ISessionControl, IDisposable
{
    public const long SessionId = 7;

    private readonly Counter<long> _refused;
    private int _adminDescriptors;

    public FakeControl()
    {
        var listener = new ListenerSettings
        {
            Name = "pg",
            Listen = new IPEndPoint(IPAddress.Loopback, 6432),
            BackendHost = "127.0.0.1",
            BackendPort = 5432,
            MaxSessionsPerIdentity = 3,
        };
        Settings = new GatewaySettings { Listeners = [listener] };
        Listeners = [new ListenerSnapshot("pg", "127.0.0.1:6432", listener, 1)];
        Meter = new Meter("Usher");
        _refused = Meter.CreateCounter<long>("usher.sessions.refused", "{session}", "Sessions refused at a limit.");
    }

    /// <summary>Kills asked for, with who asked.</summary>
    public ConcurrentQueue<(long Id, string By)> Kills { get; } = new();

    /// <summary>Probes asked for, with who asked.</summary>
    public ConcurrentQueue<(long Id, string By)> Probes { get; } = new();

    /// <summary>Sessions a fresh TCP_INFO was asked for.</summary>
    public ConcurrentQueue<long> Inspected { get; } = new();

    /// <summary>Admin connections holding a descriptor of the budget now.</summary>
    public int AdminDescriptors => Volatile.Read(ref _adminDescriptors);

    /// <summary>The event hub the admin endpoint's stream subscribes to.</summary>
    public GatewayEvents Hub { get; } = new();

    public string Version => "9.9.9-fake";

    public TimeProvider Time => TimeProvider.System;

    public DateTimeOffset? StartedAt { get; } = DateTimeOffset.UtcNow.AddMinutes(-2);

    public GatewaySettings Settings { get; }

    public int MaxSessions => 100;

    public int Counted => 1;

    public IReadOnlyList<ListenerSnapshot> Listeners { get; }

    public ISessionControl Sessions => this;

    public IGatewayEventFeed Events => Hub;

    public Meter Meter { get; }

    public IReadOnlyDictionary<string, string[]> MetricLabels { get; } =
        new Dictionary<string, string[]> { ["usher.sessions.refused"] = ["listener", "limit"] };

    public int Count => 1;

    /// <summary>Counts one refusal on "pg", as the gateway's instrument does.</summary>
    public void Refuse() =>
        _refused.Add(1, new KeyValuePair<string, object?>("listener", "pg"), new KeyValuePair<string, object?>("limit", "identity"));

    public bool TryTakeAdminDescriptor(out bool beyond)
    {
        beyond = false;
        Interlocked.Increment(ref _adminDescriptors);
        return true;
    }

    public void ReleaseAdminDescriptor(bool beyond) => Interlocked.Decrement(ref _adminDescriptors);

    public int TakeInheritedSocket(IPEndPoint endpoint) => -1;

    public Task<ReloadResult> ReloadAsync(GatewaySettings settings, CancellationToken cancellationToken = default) =>
        Task.FromResult(new ReloadResult(false, null, [], []));

    public IReadOnlyList<SessionSnapshot> List(string? listener = null, string? identity = null, int limit = int.MaxValue) =>
        (listener ?? "pg") == "pg" && (identity ?? "alice") == "alice" && limit > 0 ? [Session()] : [];

    public SessionSnapshot? Find(long id) => id == SessionId ? Session() : null;

    public Task<SessionSnapshot?> InspectAsync(long id, TimeSpan wait, CancellationToken cancellationToken = default)
    {
        Inspected.Enqueue(id);
        return Task.FromResult(Find(id));
    }

    public Task<IReadOnlyList<SessionSnapshot>> ListFreshAsync(SessionQuery query, TimeSpan wait, CancellationToken cancellationToken = default)
    {
        Inspected.Enqueue(SessionId);
        IReadOnlyList<SessionSnapshot> listed = query.SuspectOnly ? [] : List(query.Listener, query.Identity, query.Limit);
        return Task.FromResult(listed);
    }

    public SessionProbe? Probe(long id, string by)
    {
        if (id != SessionId)
        {
            return null;
        }

        Probes.Enqueue((id, by));
        return new SessionProbe(id, TimeSpan.FromSeconds(2), true);
    }

    public SessionKill? Kill(long id, string by)
    {
        if (id != SessionId)
        {
            return null;
        }

        Kills.Enqueue((id, by));
        return new SessionKill([id], Task.CompletedTask);
    }

    public SessionKill Kill(string listener, string identity, string by) =>
        listener == "pg" && identity == "alice" ? Kill(SessionId, by)! : new SessionKill([], Task.CompletedTask);

    public IReadOnlyList<IdentitySessions> Identities(string? listener = null) =>
        (listener ?? "pg") == "pg" ? [new IdentitySessions("pg", "alice", "PostgresUser", 1, 3, false)] : [];

    public void Dispose() => Meter.Dispose();

    private static SessionSnapshot Session()
    {
        var started = DateTimeOffset.UtcNow.AddSeconds(-30);
        var tcp = new TcpSnapshot("Established", 100, 100, 50, 0, 0, 0, 0, 40);
        return new SessionSnapshot(SessionId, "pg", IdentityKind.PostgresUser, "alice", "10.0.0.7:40112", null,
            "127.0.0.1:5432", "127.0.0.1:50000", started, started.AddSeconds(20), TimeSpan.FromSeconds(10), 11, 22,
            SessionState.Probing, new TcpReading(started.AddSeconds(25), tcp, null));
    }
}
