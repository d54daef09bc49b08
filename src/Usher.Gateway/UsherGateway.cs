using Microsoft.Extensions.Logging;
using Usher.Configuration;
using Usher.Diagnostics;
using Usher.Gateway.Diagnostics;
using Usher.Gateway.Engine;
using Usher.Gateway.Listeners;
using Usher.Gateway.Proxy;
using Usher.Ledger;
using Usher.Sessions;

namespace Usher.Gateway;

/// <summary>A running gateway: its reactors, listeners, ledger, sessions and heartbeat. The Generic Host wraps it in
/// <see cref="Hosting.GatewayHostedService"/>; tests and the demo use it directly. <see cref="ReloadAsync"/> applies a
/// new configuration without dropping a session (UsherGateway.Reload.cs).</summary>
public sealed partial class UsherGateway : IAsyncDisposable
{
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly List<Reactor> _reactors = [];
    private readonly Dictionary<string, ListenerState> _states = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _reloading = new(1, 1);
    private readonly int _derivedMaxSessions;
    private volatile GatewaySettings _settings;
    private volatile GatewayListener[] _listeners = [];
    private readonly RefusalLogFolder _refusals;
    private readonly ShedLog _shed;
    private readonly bool _ownsMetrics;
    private readonly CancellationTokenSource _stopping = new();
    private readonly TaskCompletionSource _failure = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private const int CoarseClockSlackMs = 10;
    private ITimer? _heartbeat;
    private readonly PeakRecorder? _peaks;
    private int _stopped;

    /// <summary>Creates a gateway; nothing listens until <see cref="StartAsync"/>.</summary>
    public UsherGateway(GatewaySettings settings, ILoggerFactory loggerFactory, TimeProvider? time = null,
        ISessionLedger? ledger = null, GatewayMetrics? metrics = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException("Usher's data path runs on Linux (epoll, splice).");
        }

        _settings = settings;
        _time = time ?? TimeProvider.System;
        _logger = loggerFactory.CreateLogger("Usher.Gateway");
        // Derived once, from the descriptors open before the first session, so a reload that drops MaxSessions gets
        // the same value as a start would.
        _derivedMaxSessions = ProcessLimits.DefaultMaxSessions();
        Descriptors = DescriptorBudget.ForProcess();
        Ledger = ledger ?? new InMemorySessionLedger(settings.MaxSessions ?? _derivedMaxSessions);
        _ownsMetrics = metrics is null;
        Metrics = metrics ?? new GatewayMetrics();
        Metrics.ObserveOpenSessions(() => Registry.Count);
        _refusals = new RefusalLogFolder(loggerFactory.CreateLogger("Usher.Refusals"), _time, settings.RefusalLogInterval);
        _shed = new ShedLog(loggerFactory.CreateLogger("Usher.Refusals"), Descriptors, () => _refusals.Interval);
        Metrics.ObserveDescriptors(Descriptors);
        if (settings.Peaks is { } peaks)
        {
            _peaks = new PeakRecorder(peaks, _logger, _time);
        }
    }

    /// <summary>Each identity's peak sessions per listener per hour (<c>Peaks</c>); <c>null</c> when not recorded.</summary>
    public Usher.Peaks.PeakBook? Peaks => _peaks?.Book;

    /// <summary>Listening sockets taken over from a running Usher (graceful restart); used by listeners on the same
    /// addresses instead of binding new sockets. Those no listener takes are closed at start.</summary>
    public InheritedListeners? Inherited { get; set; }

    /// <summary>The other nodes of a shared ledger, asked to probe an identity's idle sessions when a newcomer with
    /// <c>OnLimit: ReclaimDead</c> finds fewer of them here than its limit; <c>null</c> (the default) with the
    /// in-memory ledger. Set before <see cref="StartAsync"/>.</summary>
    public Usher.Control.IClusterReclaim? ClusterReclaim { get; init; }

    /// <summary>The clock of the gateway's timestamps (session starts, <see cref="StartedAt"/>).</summary>
    public TimeProvider Time => _time;

    /// <summary>When <see cref="StartAsync"/> was called; <c>null</c> before.</summary>
    public DateTimeOffset? StartedAt { get; private set; }

    /// <summary>Sessions the whole process may hold: <c>MaxSessions</c> in force (it follows a reload), or the limit
    /// derived from the descriptor limit.</summary>
    public int MaxSessions => Ledger.GlobalLimit;

    /// <summary>The descriptors the gateway may open (docs/reliability.md#the-descriptor-budget).</summary>
    internal DescriptorBudget Descriptors { get; }

    /// <summary>The session ledger.</summary>
    public ISessionLedger Ledger { get; }

    /// <summary>The configuration in force: the one the gateway started with, or the last one a reload applied (with
    /// the keys only a restart applies, such as <c>Workers</c>, as they were at start).</summary>
    public GatewaySettings Settings => _settings;

    /// <summary>Pipes each reactor may hold; by default its share of <see cref="ProcessLimits.PipeBudget"/>.</summary>
    internal int? PipesPerReactor { get; init; }

    /// <summary>The event loops (for tests).</summary>
    internal IReadOnlyList<Reactor> Reactors => _reactors;

    /// <summary>Pipes the reactors hold now.</summary>
    internal int LivePipes => _reactors.Sum(r => r.Pipes.Live);

    /// <summary>The open sessions (the admin side sees them through <see cref="Control"/>).</summary>
    internal SessionRegistry Registry { get; } = new();

    /// <summary>The gateway's instruments.</summary>
    public GatewayMetrics Metrics { get; }

    /// <summary>Refusals, reclaims, dead peers, kills and closes as they happen, for live views (the dashboard).</summary>
    public GatewayEvents Events { get; } = new();

    /// <summary>Faults when the gateway can no longer serve: an event loop failed (epoll_wait returned an error,
    /// event 9661) and its listening sockets have no loop left. Never completes otherwise. The host stops the process
    /// with a non-zero exit code on it (<see cref="Hosting.GatewayHostedService"/>).</summary>
    public Task Failure => _failure.Task;

    /// <summary>The listeners accepting now, once started, in the configuration's order.</summary>
    public IReadOnlyList<GatewayListener> Listeners => _listeners;

    /// <summary>The listener called <paramref name="name"/>.</summary>
    public GatewayListener Listener(string name) => _listeners.Single(l => l.Name == name);

    /// <summary>Binds every listener and starts accepting. Throws when a listener cannot bind.</summary>
    public void Start() => StartAsync().GetAwaiter().GetResult();

    /// <summary>Binds every listener and starts accepting. Throws when a listener cannot bind.</summary>
    public async Task StartAsync()
    {
        StartedAt = _time.GetUtcNow();
        _peaks?.Load();
        var workers = _settings.Workers ?? Environment.ProcessorCount;
        var pipesPerReactor = PipesPerReactor ?? Math.Max(4, ProcessLimits.PipeBudget() / workers);
        for (var i = 0; i < workers; i++)
        {
            var reactor = new Reactor(i, _logger, pipesPerReactor, Descriptors);
            _reactors.Add(reactor);
            reactor.Start();
            _ = WatchAsync(reactor);
        }

        var listeners = new List<GatewayListener>();
        try
        {
            foreach (var settings in _settings.Listeners)
            {
                var state = new ListenerState(Ledger.CreateScope(settings.Name, settings.MaxSessions));
                state.Apply(settings, now: 0);
                _states[settings.Name] = state;
                listeners.Add(new GatewayListener(NewContext(settings, state, previous: null), _reactors, Inherited));
            }
        }
        catch
        {
            await StopReactorsAsync().ConfigureAwait(false);
            throw;
        }

        _listeners = [.. listeners];
        Inherited?.Dispose();
        Descriptors.Refresh();
        foreach (var listener in listeners)
        {
            await listener.StartAsync().ConfigureAwait(false);
            listener.Started();
        }

        _heartbeat = _time.CreateTimer(_ => Heartbeat(), null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
    }

    /// <summary>Stops accepting, lets sessions drain for up to <paramref name="grace"/>, then closes the rest with
    /// reason <see cref="CloseReason.Shutdown"/>.</summary>
    public async Task StopAsync(TimeSpan? grace = null, CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0)
        {
            return;
        }

        // A reload under way finishes first; later ones are refused, so no listener starts behind this stop.
        await _reloading.WaitAsync(CancellationToken.None).ConfigureAwait(false);
        _reloading.Release();
        await Task.WhenAll(_listeners.Select(l => l.StopAcceptingAsync())).ConfigureAwait(false);
        var wait = grace ?? _settings.ShutdownGrace;
        _logger.Draining(Registry.Count, wait.TotalSeconds);
        await WaitForSessionsAsync(wait, cancellationToken).ConfigureAwait(false);
        foreach (var session in Registry.All)
        {
            session.Close(CloseReason.Shutdown);
        }

        await _stopping.CancelAsync().ConfigureAwait(false);

        await WaitForSessionsAsync(TimeSpan.FromSeconds(5), CancellationToken.None).ConfigureAwait(false);
        _heartbeat?.Dispose();
        _refusals.Flush();
        _shed.Flush();
        _peaks?.Save();
        await StopReactorsAsync().ConfigureAwait(false);
    }

    /// <summary>An operator's kill of one session: both sides are closed, the close reason is
    /// <see cref="CloseReason.Killed"/>, event 9653 names who killed it and 9642 follows when it has closed.</summary>
    /// <param name="id">The session's id.</param>
    /// <param name="by">Who killed it, for the log (e.g. <c>admin API from 127.0.0.1:40112</c>).</param>
    /// <returns>The session, whose <see cref="IGatewaySession.Completion"/> ends once it has closed and released its
    /// slot; <c>null</c> when no session with that id is open.</returns>
    /// <exception cref="InvalidOperationException">The session is already ending for another reason.</exception>
    internal IGatewaySession? Kill(long id, string by)
    {
        var session = Registry.Find(id);
        if (session is null)
        {
            return null;
        }

        if (!Kill(session, by))
        {
            throw new InvalidOperationException($"session {id} is already closing ({session.Record.CloseReason})");
        }

        return session;
    }

    /// <summary>Kills every open session of <paramref name="identity"/> on <paramref name="listener"/>, as
    /// <see cref="Kill(long, string)"/> does one; sessions already ending for another reason are left to end.</summary>
    /// <param name="listener">The listener's name.</param>
    /// <param name="identity">The identity as shown (<see cref="Usher.Identity.SessionIdentity.Shown"/>): on a listener
    /// whose <c>IdentityDisplay</c> hides identities, its hash or prefix. A clear value matches only where it is shown,
    /// so a kill cannot confirm a guessed secret.</param>
    /// <param name="by">Who kills, for the log.</param>
    /// <returns>The sessions killed.</returns>
    /// <exception cref="InvalidOperationException">The form names more than one identity (two values with one
    /// prefix); nothing was killed.</exception>
    internal IReadOnlyList<IGatewaySession> Kill(string listener, string identity, string by)
    {
        var matching = Registry.All
            .Where(s => s.Record.Listener == listener && Usher.Identity.IdentityMask.Names(identity, s.Record.Identity.Shown))
            .ToList();
        if (matching.Select(s => s.Record.Identity.Value).Distinct(StringComparer.Ordinal).Skip(1).Any())
        {
            throw new InvalidOperationException(
                $"\"{identity}\" on listener \"{listener}\" is shown for more than one identity; kill their sessions one by one, by id");
        }

        var killed = new List<IGatewaySession>();
        foreach (var session in matching)
        {
            if (Kill(session, by))
            {
                killed.Add(session);
            }
        }

        return killed;
    }

    private bool Kill(IGatewaySession session, string by)
    {
        var record = session.Record;
        if (!record.TrySetCloseReason(CloseReason.Killed))
        {
            return false;
        }

        _logger.SessionKilled(record.Id, record.Identity.Shown, record.Listener, by);
        if (Events.Observed)
        {
            Events.Publish(new GatewayEvent(GatewayEventKind.Killed, UsherEvents.SessionKilled, _time.GetUtcNow(), record.Listener,
                record.Identity.Shown, record.Id, record.Client.ToString(), by));
        }

        session.Close(CloseReason.Killed);
        return true;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await StopAsync(TimeSpan.Zero).ConfigureAwait(false);
        if (_ownsMetrics)
        {
            Metrics.Dispose();
        }
    }

    /// <summary>Once a second: idle timeouts and the folded refusal log. One timer for all sessions.</summary>
    internal void Heartbeat()
    {
        try
        {
            var now = Environment.TickCount64;
            foreach (var session in Registry.All)
            {
                // IdleTimeout before IdleSinceTicks: a reload writes them the other way round.
                var idleTimeout = session.IdleTimeout;
                if (idleTimeout is null || session.Record.CloseReason != CloseReason.None)
                {
                    continue;
                }

                // Activity is stamped with Environment.TickCount64, which Linux serves from a coarse clock (one tick,
                // up to 4 ms, behind): allow that much so a session is never closed before a full IdleTimeout.
                if (now - session.IdleSinceTicks >= idleTimeout.Value.TotalMilliseconds + CoarseClockSlackMs)
                {
                    var idleSeconds = Math.Round((now - session.Record.LastActivityTicks) / 1000.0, 1);
                    _logger.IdleTimeout(session.Record.Id, session.Record.Identity.Shown, session.Record.Listener,
                        idleSeconds, idleTimeout.Value.TotalSeconds);
                    session.Close(CloseReason.IdleTimeout);
                }
            }

            _refusals.Flush();
            _peaks?.SaveIfDue();
            _shed.Flush();
            Descriptors.Refresh();
            foreach (var listener in _listeners)
            {
                listener.Context.ConnectRate?.Sweep(now);
            }
        }
        catch (Exception e)
        {
            _logger.AcceptFailed("heartbeat", e.Message);
        }
    }

    private async Task WaitForSessionsAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = Environment.TickCount64 + (long)timeout.TotalMilliseconds;
        while (Registry.Count > 0 && Environment.TickCount64 < deadline && !cancellationToken.IsCancellationRequested)
        {
            await Task.Delay(20, CancellationToken.None).ConfigureAwait(false);
        }
    }

    private async Task StopReactorsAsync()
    {
        foreach (var reactor in _reactors)
        {
            reactor.Stop();
        }

        // A loop that failed has faulted its task already (and the gateway's Failure with it).
        await Task.WhenAll(_reactors.Select(r => r.Stopped)).ContinueWith(static _ => { }, TaskScheduler.Default).ConfigureAwait(false);
    }

    /// <summary>Fails the gateway when an event loop fails.</summary>
    private async Task WatchAsync(Reactor reactor)
    {
        try
        {
            await reactor.Stopped.ConfigureAwait(false);
        }
        catch (Exception e)
        {
            _failure.TrySetException(e);
        }
    }
}
