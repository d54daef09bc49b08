using System.Globalization;
using Usher.Identity;

namespace Usher.Configuration;

/// <summary>What differs between the running configuration and a new one, as a reload sees it: listeners (matched by
/// <c>Name</c>) added, removed and changed key by key, the global keys a reload applies, and those that take a
/// restart.</summary>
public sealed class ConfigChanges
{
    private ConfigChanges(List<ListenerSettings> added, List<ListenerSettings> removed, List<ListenerChange> changed,
        List<SettingChange> global, List<SettingChange> needsRestart)
    {
        Added = added;
        Removed = removed;
        Changed = changed;
        Global = global;
        NeedsRestart = needsRestart;
    }

    /// <summary>Listeners of the new configuration whose name the running one does not have.</summary>
    public IReadOnlyList<ListenerSettings> Added { get; }

    /// <summary>Running listeners whose name the new configuration does not have.</summary>
    public IReadOnlyList<ListenerSettings> Removed { get; }

    /// <summary>Listeners in both with at least one key changed.</summary>
    public IReadOnlyList<ListenerChange> Changed { get; }

    /// <summary>Changed global keys a reload applies: <c>MaxSessions</c>, <c>ShutdownGrace</c>,
    /// <c>RefusalLogInterval</c>.</summary>
    public IReadOnlyList<SettingChange> Global { get; }

    /// <summary>Changed keys only a restart applies: <c>Workers</c>, <c>Admin</c>, <c>Ledger</c>.</summary>
    public IReadOnlyList<SettingChange> NeedsRestart { get; }

    /// <summary>Whether a reload has anything to apply (keys that need a restart apart).</summary>
    public bool IsEmpty => Added.Count == 0 && Removed.Count == 0 && Changed.Count == 0 && Global.Count == 0;

    /// <summary>Compares the running configuration with a new one.</summary>
    public static ConfigChanges Between(GatewaySettings running, GatewaySettings next)
    {
        ArgumentNullException.ThrowIfNull(running);
        ArgumentNullException.ThrowIfNull(next);
        var before = running.Listeners.ToDictionary(l => l.Name, StringComparer.Ordinal);
        var after = next.Listeners.Select(l => l.Name).ToHashSet(StringComparer.Ordinal);
        var added = new List<ListenerSettings>();
        var changed = new List<ListenerChange>();
        foreach (var listener in next.Listeners)
        {
            if (!before.TryGetValue(listener.Name, out var old))
            {
                added.Add(listener);
            }
            else if (Compare(old, listener, running.IdentityHashKey) is { Count: > 0 } keys)
            {
                changed.Add(new ListenerChange(old, listener, keys));
            }
        }

        var removed = running.Listeners.Where(l => !after.Contains(l.Name)).ToList();

        var global = new List<SettingChange>();
        Add(global, "MaxSessions", Text(running.MaxSessions, "(from the file-descriptor limit)"),
            Text(next.MaxSessions, "(from the file-descriptor limit)"));
        Add(global, "ShutdownGrace", Text(running.ShutdownGrace), Text(next.ShutdownGrace));
        Add(global, "RefusalLogInterval", Text(running.RefusalLogInterval), Text(next.RefusalLogInterval));

        var restart = new List<SettingChange>();
        Add(restart, "Workers", Text(running.Workers, "(one per processor)"), Text(next.Workers, "(one per processor)"));
        foreach (var key in running.RestartOnly.Keys.Union(next.RestartOnly.Keys, StringComparer.OrdinalIgnoreCase)
                     .Order(StringComparer.OrdinalIgnoreCase))
        {
            Add(restart, key, running.RestartOnly.GetValueOrDefault(key) ?? None, next.RestartOnly.GetValueOrDefault(key) ?? None);
        }

        return new ConfigChanges(added, removed, changed, global, restart);
    }

    /// <summary>The keys of one listener that differ, in the order of the configuration reference. The identities of
    /// <c>Overrides</c> are named as the listener shows identities (<c>IdentityDisplay</c>), hashed with
    /// <paramref name="hashKey"/> (the process's own key when <c>null</c>): the change is logged.</summary>
    public static IReadOnlyList<SettingChange> Compare(ListenerSettings before, ListenerSettings after, byte[]? hashKey = null)
    {
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(after);
        var mask = new IdentityMask(after.IdentityDisplay, hashKey ?? IdentityMask.ProcessKey, after.IdentityWithSourceIp);
        var keys = new List<SettingChange>();
        foreach (var (key, value) in Keys)
        {
            Add(keys, key, value(before), value(after));
        }

        foreach (var identity in before.Overrides.Keys.Union(after.Overrides.Keys, StringComparer.Ordinal).Order(StringComparer.Ordinal))
        {
            Add(keys, $"Overrides:{mask.Show(identity)}", Text(Override(before, identity), None), Text(Override(after, identity), None));
        }

        return keys;
    }

    /// <summary>One line per change, for event 9654: listeners added and removed, keys changed, and keys that need
    /// a restart (with the value still in force).</summary>
    /// <param name="openSessions">Sessions open on a listener, told for removed ones (whose sessions go on).</param>
    public IReadOnlyList<string> Describe(Func<string, int>? openSessions = null)
    {
        var lines = new List<string>();
        foreach (var listener in Added)
        {
            lines.Add($"listener \"{listener.Name}\" added on {listener.Listen}, backend {listener.Backend}");
        }

        foreach (var listener in Removed)
        {
            var open = openSessions?.Invoke(listener.Name) ?? 0;
            lines.Add(open == 0
                ? $"listener \"{listener.Name}\" removed: no longer accepting, no session open"
                : $"listener \"{listener.Name}\" removed: no longer accepting, its {open} open session(s) go on until they end");
        }

        foreach (var change in Changed)
        {
            lines.AddRange(change.Keys.Select(k => $"{change.To.Name}: {k}"));
        }

        lines.AddRange(Global.Select(k => k.ToString()));
        lines.AddRange(NeedsRestart.Select(k => $"{k} needs a restart (still {k.From})"));
        return lines;
    }

    private const string None = "(none)";

    private static readonly (string Key, Func<ListenerSettings, string> Value)[] Keys =
    [
        ("Listen", l => l.Listen.ToString()),
        ("Backend", l => l.Backend),
        ("Identity", l => l.IdentityText),
        ("IdentityDisplay", l => l.IdentityDisplay.ToString()),
        ("TrustedProxies", l => "[" + string.Join(", ", l.TrustedProxies) + "]"),
        ("SendProxy", l => l.SendProxy ? "v2" : "none"),
        ("HalfClose", l => l.HalfClose ? "true" : "false"),
        ("MaxSessionsPerIdentity", l => Text(l.MaxSessionsPerIdentity)),
        ("MaxSessions", l => Text(l.MaxSessions, None)),
        ("MaxUnconfirmedPerIdentity", l => Text(l.MaxUnconfirmedPerIdentity)),
        ("OnLimit", l => l.OnLimit.ToString()),
        ("ReclaimWait", l => Text(l.ReclaimWait)),
        ("ClosingWait", l => Text(l.ClosingWait)),
        ("ProbeMinIdle", l => Text(l.ProbeMinIdle)),
        ("ProbeInterval", l => Text(l.ProbeInterval)),
        ("ProbeCount", l => Text(l.ProbeCount)),
        ("Keepalive:Idle", l => Text(l.Keepalive.Idle)),
        ("Keepalive:Interval", l => Text(l.Keepalive.Interval)),
        ("Keepalive:Count", l => Text(l.Keepalive.Count)),
        ("UserTimeout", l => Text(l.UserTimeout)),
        ("IdleTimeout", l => Text(l.IdleTimeout)),
        ("HandshakeTimeout", l => Text(l.HandshakeTimeout)),
        ("MaxHandshakesPerSource", l => Text(l.MaxHandshakesPerSource)),
        ("ConnectTimeout", l => Text(l.ConnectTimeout)),
        ("ConnectRate", l => l.ConnectRate is { } r ? $"{Text(r.PerIp)} per {Text(r.Window)}" : None),
        ("Tls:Certificate", l => l.Tls?.Certificate ?? None),
        ("Tls:Key", l => l.Tls?.Key ?? None),
        ("Tls:ClientCa", l => l.Tls is null ? None : l.Tls.ClientCa ?? None),
        ("Tls:ClientCertificateIdentity", l => l.Tls?.ClientCertificateIdentity.ToString() ?? None),
        ("BackendTls:Ca", l => l.BackendTls?.Ca ?? None),
        ("BackendTls:ServerName", l => l.BackendTls?.ServerName ?? None),
    ];

    private static int? Override(ListenerSettings listener, string identity) =>
        listener.Overrides.TryGetValue(identity, out var limit) ? limit : null;

    private static void Add(List<SettingChange> changes, string key, string from, string to)
    {
        if (!string.Equals(from, to, StringComparison.Ordinal))
        {
            changes.Add(new SettingChange(key, from, to));
        }
    }

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Text(int? value, string none) => value is { } v ? Text(v) : none;

    private static string Text(TimeSpan value) => value.ToString("c", CultureInfo.InvariantCulture);

    private static string Text(TimeSpan? value) => value is { } v ? Text(v) : None;
}

/// <summary>One key whose value changed, written as the configuration writes it.</summary>
/// <param name="Key">The key below the listener (or below <c>Usher</c> for a global key), e.g.
/// <c>MaxSessionsPerIdentity</c>, <c>Keepalive:Idle</c>, <c>Overrides:svc-backup</c>.</param>
/// <param name="From">The running value.</param>
/// <param name="To">The new value.</param>
public sealed record SettingChange(string Key, string From, string To)
{
    /// <inheritdoc />
    public override string ToString() => $"{Key} {From} → {To}";
}

/// <summary>A listener present before and after a reload, with the keys that changed.</summary>
/// <param name="From">Its running settings.</param>
/// <param name="To">Its new settings.</param>
/// <param name="Keys">The keys that differ.</param>
public sealed record ListenerChange(ListenerSettings From, ListenerSettings To, IReadOnlyList<SettingChange> Keys)
{
    /// <summary>Whether the listener moves to another address: new sockets are bound, the old ones closed.</summary>
    public bool Rebinds => !From.Listen.Equals(To.Listen);
}
