using System.Net.Sockets;
using Usher.Configuration;
using Usher.Control;
using Usher.Diagnostics;
using Usher.Gateway.Listeners;
using Usher.Gateway.Proxy;
using Usher.Gateway.Tls;
using Usher.Identity;
using Usher.Ledger;
using Usher.Protocols;

namespace Usher.Gateway;

/// <summary>Hot reload: a new configuration applied to the running gateway without dropping a session.</summary>
public sealed partial class UsherGateway
{
    /// <summary>Applies a new configuration (already read and validated by <see cref="ConfigReader"/>) and logs event
    /// 9654 with what changed, or 9655 when it cannot be applied; then nothing changed at all.</summary>
    /// <remarks>Listeners are matched by <c>Name</c>. A changed listener keeps its sockets and takes its new settings
    /// for the sessions accepted from then on (its listening sockets take the new keepalive, which accepted sockets
    /// inherit); open sessions keep theirs, except IdleTimeout, which they follow too, counted from the reload. A
    /// lower limit evicts nothing: newcomers are refused until the count is under it. A new <c>Listen</c> binds new
    /// sockets and closes the old ones. A removed listener stops accepting; its sessions go on until they end and
    /// still count. New sockets are bound and TLS files loaded before anything changes: if one fails, the whole
    /// reload is rejected. <c>Workers</c>, <c>Admin</c> and <c>Ledger</c> take a restart; the event says so.</remarks>
    public async Task<ReloadResult> ReloadAsync(GatewaySettings next, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(next);
        await _reloading.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (Volatile.Read(ref _stopped) != 0 || _heartbeat is null)
            {
                return RejectReload(next.Source, [new ConfigError(next.Source, "(gateway)", "the gateway is not running",
                    "reload a running gateway; this one has not started or is stopping")]);
            }

            if (next.Listeners.GroupBy(l => l.Name, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1) is { } twice)
            {
                return RejectReload(next.Source, [new ConfigError(next.Source, "Usher:Listeners",
                    $"the name \"{twice.Key}\" is used by more than one listener", "give every listener its own Name")]);
            }

            var running = _settings;
            var changes = ConfigChanges.Between(running, next);
            var plan = new ReloadPlan();
            try
            {
                Prepare(next, changes, plan);
            }
            catch (Exception e)
            {
                plan.Errors.Add(new ConfigError(next.Source, "(reload)", $"the reload could not be prepared: {e.Message}",
                    "correct the configuration, then reload again; nothing was changed"));
            }

            if (plan.Errors.Count > 0)
            {
                await plan.AbandonAsync().ConfigureAwait(false);
                return RejectReload(next.Source, plan.Errors);
            }

            var summary = await CommitAsync(running, next, changes, plan).ConfigureAwait(false);
            var text = summary.Count == 0 ? "no change" : string.Join("; ", summary);
            _logger.ConfigReloaded(next.Source, text);
            return new ReloadResult(true, changes, summary, []);
        }
        finally
        {
            _reloading.Release();
        }
    }

    /// <summary>Logs event 9655 for a configuration that cannot be used, naming every problem as <c>usher check</c>
    /// does; the running configuration stays as it is.</summary>
    public ReloadResult RejectReload(string source, IReadOnlyList<ConfigError> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        var problems = ConfigError.Lines(errors);
        _logger.ConfigRejected(source, errors.Count, problems);
        return new ReloadResult(false, null, [], errors);
    }

    /// <summary>Builds the new contexts and binds the new sockets; changes nothing the gateway runs on.</summary>
    private void Prepare(GatewaySettings next, ConfigChanges changes, ReloadPlan plan)
    {
        var running = _listeners.ToDictionary(l => l.Name, StringComparer.Ordinal);
        var changed = changes.Changed.ToDictionary(c => c.To.Name, StringComparer.Ordinal);
        for (var i = 0; i < next.Listeners.Count; i++)
        {
            var settings = next.Listeners[i];
            running.TryGetValue(settings.Name, out var current);
            changed.TryGetValue(settings.Name, out var change);

            // The same Tls keys, files whose content changed (a renewed certificate): loaded again.
            var tlsChanged = current?.Context.Tls is { } tls && settings.Tls is { } tlsSettings
                && change?.Keys.Any(k => k.Key.StartsWith("Tls:", StringComparison.Ordinal)) != true
                && !tls.Serves(tlsSettings);
            if (current is not null && change is null && !tlsChanged)
            {
                plan.Listeners.Add(current);
                continue;
            }

            var state = _states.GetValueOrDefault(settings.Name) ?? NewState(settings, plan);
            ListenerContext context;
            try
            {
                context = NewContext(settings, state, current?.Context);
            }
            catch (InvalidOperationException e)
            {
                plan.Errors.Add(new ConfigError(next.Source, $"Usher:Listeners:{i}:Tls", e.Message,
                    "give the listener's Tls keys readable PEM files that belong together, then run `usher check`"));
                continue;
            }

            if (tlsChanged)
            {
                plan.Notes.Add($"{settings.Name}: Tls files changed on disk, loaded again");
            }

            if (current is not null && change?.Rebinds != true)
            {
                plan.Swaps.Add((current, context));
                plan.Listeners.Add(current);
                continue;
            }

            try
            {
                var listener = new GatewayListener(context, _reactors);
                plan.Bound.Add(listener);
                plan.Listeners.Add(listener);
                if (current is not null)
                {
                    plan.Retired.Add(current);
                }
            }
            catch (SocketException e)
            {
                plan.Errors.Add(new ConfigError(next.Source, $"Usher:Listeners:{i}:Listen", e.Message,
                    "stop what holds that address, or change the listener's Listen key"));
            }
        }

        plan.Retired.AddRange(changes.Removed.Select(r => running[r.Name]));
    }

    private ListenerState NewState(ListenerSettings settings, ReloadPlan plan)
    {
        var state = new ListenerState(Ledger.CreateScope(settings.Name, settings.MaxSessions));
        plan.States[settings.Name] = state;
        return state;
    }

    /// <summary>Applies a prepared reload; nothing here can fail short of a reactor that has stopped.</summary>
    private async Task<List<string>> CommitAsync(GatewaySettings running, GatewaySettings next, ConfigChanges changes,
        ReloadPlan plan)
    {
        var notes = new List<string>();
        var maxSessions = next.MaxSessions ?? _derivedMaxSessions;
        if (!Ledger.TrySetGlobalLimit(maxSessions) && running.MaxSessions != next.MaxSessions)
        {
            notes.Add($"MaxSessions is kept by the ledger in use ({Ledger.GetType().Name}): it needs a restart");
        }

        _refusals.Interval = next.RefusalLogInterval;
        foreach (var (name, state) in plan.States)
        {
            _states[name] = state;
        }

        var now = Environment.TickCount64;
        foreach (var settings in next.Listeners)
        {
            _states[settings.Name].Apply(settings, now);
        }

        foreach (var listener in plan.Bound)
        {
            await listener.StartAsync().ConfigureAwait(false);
            listener.Started();
        }

        await Task.WhenAll(plan.Swaps.Select(s => s.Listener.UseAsync(s.Context))).ConfigureAwait(false);
        await Task.WhenAll(plan.Retired.Select(l => l.StopAcceptingAsync())).ConfigureAwait(false);
        _listeners = [.. plan.Listeners];
        _settings = new GatewaySettings
        {
            Source = next.Source,
            Listeners = next.Listeners,
            MaxSessions = next.MaxSessions,
            ShutdownGrace = next.ShutdownGrace,
            RefusalLogInterval = next.RefusalLogInterval,

            // Only a restart applies these: the running values stay, and every reload says so again.
            Workers = running.Workers,
            Admin = running.Admin,
            RestartOnly = running.RestartOnly,
            IdentityHashKeyFile = running.IdentityHashKeyFile,
            IdentityHashKey = running.IdentityHashKey,
        };

        var summary = changes.Describe(name => _states.TryGetValue(name, out var s) ? s.Scope.Count : 0).ToList();
        summary.AddRange(plan.Notes);
        summary.AddRange(notes);
        return summary;
    }

    /// <summary>The context of the sessions a listener accepts from now on. What does not change with the settings
    /// is kept from <paramref name="previous"/>: the ConnectRate buckets and the loaded TLS files.</summary>
    private ListenerContext NewContext(ListenerSettings settings, ListenerState state, ListenerContext? previous) => new()
    {
        Settings = settings,
        Ledger = Ledger,
        State = state,
        Registry = Registry,
        Refusals = _refusals,
        Budget = Descriptors,
        Shed = _shed,
        Peaks = _peaks?.Book,
        Metrics = Metrics,
        Events = Events,
        Logger = _logger,
        Time = _time,
        Backend = new BackendConnector(settings),
        IdentityKindName = settings.IdentityText,
        Mask = new IdentityMask(settings.IdentityDisplay, _settings.IdentityHashKey ?? IdentityMask.ProcessKey, settings.IdentityWithSourceIp),
        PolicyName = settings.OnLimit.ToString(),
        Cluster = ClusterReclaim,
        Handshake = HandshakeProtocols.For(settings),
        Tls = settings.Tls is not { } tls ? null
            : previous?.Tls is { } loaded && loaded.Serves(tls) ? loaded
            : TlsTerminator.Load(settings.Name, tls),
        Stopping = _stopping.Token,
        ConnectRate = settings.ConnectRate is not { } rate ? null
            : previous?.ConnectRate is { } limiter && previous.Settings.ConnectRate == rate ? limiter
            : new ConnectRateLimiter(rate, settings.Name, _logger, () => _refusals.Interval),
    };

    /// <summary>What a reload will do, prepared before anything changes.</summary>
    private sealed class ReloadPlan
    {
        /// <summary>The listeners after the reload, in the configuration's order.</summary>
        public List<GatewayListener> Listeners { get; } = [];

        /// <summary>Listeners bound for this reload (added, or moved to a new address), not yet accepting.</summary>
        public List<GatewayListener> Bound { get; } = [];

        /// <summary>Running listeners that take a new context.</summary>
        public List<(GatewayListener Listener, ListenerContext Context)> Swaps { get; } = [];

        /// <summary>Running listeners that stop accepting (removed, or moved).</summary>
        public List<GatewayListener> Retired { get; } = [];

        /// <summary>States of listener names the gateway has not known before.</summary>
        public Dictionary<string, ListenerState> States { get; } = new(StringComparer.Ordinal);

        public List<string> Notes { get; } = [];

        public List<ConfigError> Errors { get; } = [];

        /// <summary>Closes the sockets bound for a reload that will not happen.</summary>
        public Task AbandonAsync() => Task.WhenAll(Bound.Select(l => l.StopAcceptingAsync()));
    }
}
