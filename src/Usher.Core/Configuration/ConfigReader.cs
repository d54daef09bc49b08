using System.Net;
using Microsoft.Extensions.Configuration;
using Usher.Identity;

namespace Usher.Configuration;

/// <summary>Reads and validates the <c>Usher</c> section of a configuration into <see cref="GatewaySettings"/>.
/// Every problem is reported with the source, the full key and the fix; nothing is silently ignored (unknown keys
/// are errors, with the closest known key suggested).</summary>
public sealed partial class ConfigReader
{
    private readonly string _source;
    private readonly List<ConfigError> _errors = [];

    private ConfigReader(string source) => _source = source;

    /// <summary>Reads the configuration; throws <see cref="ConfigException"/> listing every problem.</summary>
    /// <param name="configuration">The configuration root (holding an <c>Usher</c> section).</param>
    /// <param name="source">The file it came from, named in error messages.</param>
    public static GatewaySettings Read(IConfiguration configuration, string source)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var reader = new ConfigReader(source);
        var settings = reader.ReadRoot(configuration.GetSection(ConfigKeys.Root));
        if (reader._errors.Count > 0 || settings is null)
        {
            throw new ConfigException(reader._errors);
        }

        return settings;
    }

    private GatewaySettings? ReadRoot(IConfigurationSection usher)
    {
        if (!usher.Exists())
        {
            Error(ConfigKeys.Root, "the section is missing",
                """put the settings under a top-level "Usher" object, e.g. { "Usher": { "Listeners": [ ... ] } }""");
            return null;
        }

        CheckKnownKeys(usher, ConfigKeys.TopLevel);
        var defaults = usher.GetSection("Defaults");
        if (defaults.Exists())
        {
            CheckKnownKeys(defaults, ConfigKeys.Inheritable);
        }

        var listenersSection = usher.GetSection("Listeners");
        var listeners = new List<ListenerSettings>();
        var children = listenersSection.GetChildren().ToList();
        if (children.Count == 0)
        {
            Error(listenersSection.Path, "no listener is configured",
                """add at least one, e.g. "Listeners": [ { "Name": "pg", "Listen": "127.0.0.1:6432", "Backend": "127.0.0.1:5432" } ]""");
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        var placed = new List<(IConfigurationSection, ListenerSettings)>();
        foreach (var child in children)
        {
            var listener = ReadListener(child, defaults);
            if (listener is null)
            {
                continue;
            }

            if (!names.Add(listener.Name))
            {
                Error(child.GetSection("Name").Path, $"the name \"{listener.Name}\" is used by another listener",
                    "give every listener its own Name");
            }

            listeners.Add(listener);
            placed.Add((child, listener));
        }

        CheckListenAddresses(placed);

        var maxSessions = PositiveInt(usher, "MaxSessions");
        var workers = Int(usher, "Workers", 1, 256);
        var grace = Duration(usher, "ShutdownGrace", allowZero: true) ?? TimeSpan.FromSeconds(30);
        var fold = Duration(usher, "RefusalLogInterval") ?? TimeSpan.FromSeconds(10);
        var ledger = ReadLedger(usher);
        var admin = ReadAdmin(usher);
        var (hashKeyFile, hashKey) = ReadIdentityHashKey(usher);
        var peaks = ReadPeaks(usher);
        CheckAdminAddress(usher, admin, listeners);
        return new GatewaySettings
        {
            Source = _source,
            Admin = admin,
            Listeners = listeners,
            MaxSessions = maxSessions,
            Workers = workers,
            ShutdownGrace = grace,
            RefusalLogInterval = fold,
            RestartOnly = RestartOnlyValues(usher),
            IdentityHashKeyFile = hashKeyFile,
            IdentityHashKey = hashKey,
            Peaks = peaks,
            Ledger = ledger,
        };
    }

    /// <summary>The raw values of the sections a reload cannot apply, keyed below <c>Usher</c>.</summary>
    private static Dictionary<string, string> RestartOnlyValues(IConfigurationSection usher)
    {
        var values = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var name in ConfigKeys.RestartOnly)
        {
            foreach (var (key, value) in usher.GetSection(name).AsEnumerable())
            {
                if (value is not null)
                {
                    values[key[(usher.Path.Length + 1)..]] = value;
                }
            }
        }

        return values;
    }

    private ListenerSettings? ReadListener(IConfigurationSection section, IConfigurationSection defaults)
    {
        CheckKnownKeys(section, [.. ConfigKeys.ListenerOnly, .. ConfigKeys.Inheritable]);
        var listen = Endpoint(section, "Listen", required: true, mustBeAddress: true);
        var backend = Endpoint(section, "Backend", required: true, mustBeAddress: false);
        var name = section["Name"];
        if (name is not null && string.IsNullOrWhiteSpace(name))
        {
            Error(section.GetSection("Name").Path, "the name is empty", "write a short name such as \"pg\"");
        }

        var layered = new Layered(section, defaults);
        var keepalive = ReadKeepalive(layered);
        var identity = ReadIdentity(layered);
        var display = ReadIdentityDisplay(layered) ?? IdentityDisplayDefault.For(identity.Kind, identity.Argument);
        var onLimit = ReadOnLimit(layered);
        var perIdentity = PositiveInt(layered.Pick("MaxSessionsPerIdentity"), "MaxSessionsPerIdentity")
            ?? ListenerSettings.DefaultMaxSessionsPerIdentity;
        var maxSessions = PositiveInt(layered.Pick("MaxSessions"), "MaxSessions");
        var maxUnconfirmed = PositiveInt(layered.Pick("MaxUnconfirmedPerIdentity"), "MaxUnconfirmedPerIdentity")
            ?? ListenerSettings.DefaultMaxUnconfirmedPerIdentity;
        var overrides = ReadOverrides(layered);
        var reclaimWait = Duration(layered.Pick("ReclaimWait"), "ReclaimWait") ?? TimeSpan.FromSeconds(5);
        var closingWait = Duration(layered.Pick("ClosingWait"), "ClosingWait", allowZero: true) ?? TimeSpan.FromSeconds(1);
        var probeMinIdle = Duration(layered.Pick("ProbeMinIdle"), "ProbeMinIdle", allowZero: true) ?? TimeSpan.FromSeconds(1);
        var probeInterval = WholeSeconds(layered.Pick("ProbeInterval"), "ProbeInterval", 1, 3600) ?? TimeSpan.FromSeconds(1);
        var probeCount = Int(layered.Pick("ProbeCount"), "ProbeCount", 1, 127) ?? 2;
        if (onLimit == OnLimitPolicy.ReclaimDead && probeInterval * probeCount >= reclaimWait)
        {
            Error(layered.Pick("ReclaimWait").GetSection("ReclaimWait").Path,
                $"ReclaimWait {reclaimWait} is not longer than ProbeInterval × ProbeCount ({probeInterval * probeCount}), so a reclaim could never finish in time",
                "make ReclaimWait longer than ProbeInterval × ProbeCount, e.g. \"00:00:05\" with the defaults");
        }

        var userTimeout = Duration(layered.Pick("UserTimeout"), "UserTimeout", allowZero: true);
        var idleTimeout = Duration(layered.Pick("IdleTimeout"), "IdleTimeout");
        var handshake = Duration(layered.Pick("HandshakeTimeout"), "HandshakeTimeout") ?? TimeSpan.FromSeconds(10);
        var handshakesPerSource = PositiveInt(layered.Pick("MaxHandshakesPerSource"), "MaxHandshakesPerSource")
            ?? ListenerSettings.DefaultMaxHandshakesPerSource;
        var connect = Duration(layered.Pick("ConnectTimeout"), "ConnectTimeout") ?? TimeSpan.FromSeconds(5);
        var trusted = ReadTrustedProxies(layered);
        var sendProxy = ReadSendProxy(layered);
        var halfClose = Bool(layered.Pick("HalfClose"), "HalfClose") ?? true;
        if (identity.Kind == IdentityKind.ProxyProtocol && trusted.Count == 0)
        {
            Error(layered.Pick("Identity").GetSection("Identity").Path, "ProxyProtocol needs TrustedProxies",
                "list the proxies allowed to send PROXY headers, e.g. \"TrustedProxies\": [\"10.0.0.0/24\"]");
        }

        var connectRate = ReadConnectRate(layered);
        var tls = ReadTls(layered);
        var backendTls = ReadBackendTls(layered, backend?.Host);
        CheckTlsCombination(layered, identity.Kind, tls);

        if (listen is null || backend is null)
        {
            return null;
        }

        return new ListenerSettings
        {
            Name = string.IsNullOrWhiteSpace(name) ? section["Listen"]! : name,
            Listen = (IPEndPoint)listen.Value.EndPoint!,
            BackendHost = backend.Value.Host,
            BackendPort = backend.Value.Port,
            Identity = identity.Kind,
            IdentityArgument = identity.Argument,
            IdentityWithSourceIp = identity.WithSourceIp,
            IdentityDisplay = display,
            TrustedProxies = trusted,
            SendProxy = sendProxy,
            Tls = tls,
            BackendTls = backendTls,
            MaxSessionsPerIdentity = perIdentity,
            MaxSessions = maxSessions,
            MaxUnconfirmedPerIdentity = maxUnconfirmed,
            Overrides = overrides,
            OnLimit = onLimit,
            ReclaimWait = reclaimWait,
            ClosingWait = closingWait,
            ProbeMinIdle = probeMinIdle,
            ProbeInterval = probeInterval,
            ProbeCount = probeCount,
            Keepalive = keepalive,
            UserTimeout = userTimeout ?? keepalive.Budget,
            IdleTimeout = idleTimeout,
            HandshakeTimeout = handshake,
            MaxHandshakesPerSource = handshakesPerSource,
            ConnectRate = connectRate,
            ConnectTimeout = connect,
            HalfClose = halfClose,
        };
    }

    private KeepaliveSettings ReadKeepalive(Layered layered)
    {
        var d = KeepaliveSettings.Default;
        foreach (var s in layered.Sections)
        {
            var k = s.GetSection("Keepalive");
            if (k.Exists())
            {
                CheckKnownKeys(k, ConfigKeys.Keepalive);
            }
        }

        var idle = WholeSeconds(layered.Pick("Keepalive:Idle"), "Keepalive:Idle", 1, 32767) ?? d.Idle;
        var interval = WholeSeconds(layered.Pick("Keepalive:Interval"), "Keepalive:Interval", 1, 32767) ?? d.Interval;
        var countSection = layered.Pick("Keepalive:Count");
        var count = Int(countSection, "Keepalive:Count", 1, 127) ?? d.Count;
        return new KeepaliveSettings(idle, interval, count);
    }

    /// <summary>Identity kinds this version can read.</summary>
    internal static readonly HashSet<IdentityKind> SupportedKinds =
    [
        IdentityKind.SourceIp, IdentityKind.ProxyProtocol, IdentityKind.PostgresUser, IdentityKind.MqttClientId,
        IdentityKind.MqttUsername, IdentityKind.HttpHeader, IdentityKind.TlsSni, IdentityKind.ImapLogin,
        IdentityKind.TlsClientCertificate,
    ];

    private (IdentityKind Kind, string? Argument, bool WithSourceIp) ReadIdentity(Layered layered)
    {
        var owner = layered.Pick("Identity");
        var text = owner["Identity"];
        var path = owner.GetSection("Identity").Path;
        if (string.IsNullOrWhiteSpace(text))
        {
            return (IdentityKind.SourceIp, null, false);
        }

        var kinds = string.Join(", ", Enum.GetNames<IdentityKind>());
        var parts = text.Split('+', StringSplitOptions.TrimEntries);
        var parsed = new List<(IdentityKind Kind, string? Argument)>();
        foreach (var part in parts)
        {
            var colon = part.IndexOf(':', StringComparison.Ordinal);
            var name = colon < 0 ? part : part[..colon];
            var argument = colon < 0 ? null : part[(colon + 1)..].Trim();
            if (!Enum.TryParse<IdentityKind>(name, ignoreCase: true, out var kind) || int.TryParse(name, out _))
            {
                Error(path, $"\"{part}\" is not an identity kind", $"use one of {kinds}, e.g. \"PostgresUser\" or \"ImapLogin+SourceIp\"");
                return (IdentityKind.SourceIp, null, false);
            }

            if (kind == IdentityKind.HttpHeader && string.IsNullOrEmpty(argument))
            {
                Error(path, "HttpHeader needs the header's name", "write e.g. \"HttpHeader:X-User\", or \"HttpHeader:Authorization\" for the Basic-auth user");
                return (IdentityKind.SourceIp, null, false);
            }

            if (kind == IdentityKind.HttpHeader && !IsHeaderName(argument!))
            {
                Error(path, $"\"{argument}\" is not an HTTP header name (RFC 9110: letters, digits and !#$%&'*+-.^_`|~, no spaces)",
                    "write the header's name as clients send it, e.g. \"HttpHeader:X-User\"");
                return (IdentityKind.SourceIp, null, false);
            }

            if (kind != IdentityKind.HttpHeader && argument is not null)
            {
                Error(path, $"{kind} takes no argument", $"write \"{kind}\"");
                return (IdentityKind.SourceIp, null, false);
            }

            parsed.Add((kind, argument));
        }

        var withSourceIp = parsed.Count == 2 && parsed.Count(p => p.Kind == IdentityKind.SourceIp) == 1;
        if (parsed.Count > 2 || (parsed.Count == 2 && !withSourceIp))
        {
            Error(path, $"\"{text}\" combines kinds that cannot go together",
                "combine at most one kind with SourceIp, e.g. \"ImapLogin+SourceIp\" (counted per user and address)");
            return (IdentityKind.SourceIp, null, false);
        }

        var primary = parsed.FirstOrDefault(p => p.Kind != IdentityKind.SourceIp);
        if (primary == default)
        {
            primary = parsed[0];
        }

        if (!SupportedKinds.Contains(primary.Kind))
        {
            Error(path, $"the identity kind \"{primary.Kind}\" is not available in this version",
                "use one of " + string.Join(", ", SupportedKinds));
        }

        return (primary.Kind, primary.Argument, withSourceIp);
    }

    /// <summary>An RFC 9110 token: what <see cref="Protocols.Http.HttpRequestReader"/> accepts as a header name.</summary>
    private static bool IsHeaderName(string name) =>
        name.Length > 0 && name.All(c => c < 0x80 && Protocols.Http.HttpSyntax.IsTokenChar((byte)c));

    private List<System.Net.IPNetwork> ReadTrustedProxies(Layered layered)
    {
        var owner = layered.Pick("TrustedProxies");
        var list = new List<System.Net.IPNetwork>();
        foreach (var entry in owner.GetSection("TrustedProxies").GetChildren())
        {
            var text = entry.Value?.Trim() ?? string.Empty;
            if (System.Net.IPNetwork.TryParse(text, out var network))
            {
                list.Add(network);
            }
            else if (System.Net.IPAddress.TryParse(text, out var address))
            {
                list.Add(new System.Net.IPNetwork(address, address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128));
            }
            else
            {
                Error(entry.Path, $"\"{text}\" is not an address or CIDR block", "write e.g. \"10.0.0.0/24\" or \"127.0.0.1\"");
            }
        }

        if (owner.GetSection("TrustedProxies").Value is { Length: > 0 } single)
        {
            Error(owner.GetSection("TrustedProxies").Path, $"\"{single}\" must be a list", $"write [\"{single}\"]");
        }

        return list;
    }

    private ConnectRateSettings? ReadConnectRate(Layered layered)
    {
        var owner = layered.Pick("ConnectRate");
        var section = owner.GetSection("ConnectRate");
        if (!section.Exists())
        {
            return null;
        }

        CheckKnownKeys(section, ["PerIp", "Window"]);
        var perIp = PositiveInt(section, "PerIp");
        var window = Duration(section, "Window") ?? TimeSpan.FromSeconds(1);
        if (perIp is null)
        {
            Error(section.GetSection("PerIp").Path, "the key is missing",
                "write how many new connections one address may open per Window, e.g. \"PerIp\": 50");
            return null;
        }

        return new ConnectRateSettings(perIp.Value, window);
    }

    private bool ReadSendProxy(Layered layered)
    {
        var owner = layered.Pick("SendProxy");
        var text = owner["SendProxy"];
        if (string.IsNullOrWhiteSpace(text) || text.Equals("none", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        if (text.Equals("v2", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        Error(owner.GetSection("SendProxy").Path, $"\"{text}\" is not a PROXY protocol version Usher sends", "write \"v2\" or leave the key out");
        return false;
    }

    private OnLimitPolicy ReadOnLimit(Layered layered)
    {
        var owner = layered.Pick("OnLimit");
        var text = owner["OnLimit"];
        if (text is null)
        {
            return OnLimitPolicy.Reject;
        }

        if (Enum.TryParse<OnLimitPolicy>(text, ignoreCase: true, out var policy) && !int.TryParse(text, out _))
        {
            return policy;
        }

        Error(owner.GetSection("OnLimit").Path, $"\"{text}\" is not a policy",
            "use one of " + string.Join(", ", Enum.GetNames<OnLimitPolicy>()));
        return OnLimitPolicy.Reject;
    }

    /// <summary>Records a problem once: a mistake in <c>Defaults</c> is met again by every listener inheriting it.</summary>
    private void Error(string key, string problem, string fix)
    {
        var error = new ConfigError(_source, key, problem, fix);
        if (!_errors.Contains(error))
        {
            _errors.Add(error);
        }
    }

    /// <summary>The listener's own section first, then <c>Defaults</c>: a key is taken from the first that has it.</summary>
    private readonly struct Layered(IConfigurationSection own, IConfigurationSection defaults)
    {
        public IConfigurationSection[] Sections { get; } = [own, defaults];

        /// <summary>The section whose child <paramref name="key"/> is set (the listener's when neither is).</summary>
        public IConfigurationSection Pick(string key)
        {
            foreach (var s in Sections)
            {
                if (s.GetSection(key).Exists())
                {
                    return s;
                }
            }

            return Sections[0];
        }
    }
}
