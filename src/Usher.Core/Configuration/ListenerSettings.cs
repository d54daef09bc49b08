using System.Collections.Frozen;
using System.Net;
using Usher.Identity;

namespace Usher.Configuration;

/// <summary>The effective settings of one listener: its own keys layered over <c>Defaults</c> and the built-in
/// defaults. Immutable once read.</summary>
public sealed class ListenerSettings
{
    /// <summary>Built-in default of <see cref="MaxSessionsPerIdentity"/>, the 32 sessions of the Exchange story.</summary>
    public const int DefaultMaxSessionsPerIdentity = 32;

    /// <summary>Built-in default of <see cref="MaxUnconfirmedPerIdentity"/>.</summary>
    public const int DefaultMaxUnconfirmedPerIdentity = 4;

    private readonly TimeSpan? _userTimeout;
    private readonly IdentityDisplay? _identityDisplay;

    /// <summary>The listener's name, used in logs, metrics and the admin API.</summary>
    public required string Name { get; init; }

    /// <summary>Where the listener accepts connections.</summary>
    public required IPEndPoint Listen { get; init; }

    /// <summary>The backend's host name or address.</summary>
    public required string BackendHost { get; init; }

    /// <summary>The backend's port.</summary>
    public required int BackendPort { get; init; }

    /// <summary>Where session identities come from.</summary>
    public IdentityKind Identity { get; init; } = IdentityKind.SourceIp;

    /// <summary>The argument of the identity kind (the header name of <c>HttpHeader:X-User</c>).</summary>
    public string? IdentityArgument { get; init; }

    /// <summary>Whether the identity is combined with the source address (<c>ImapLogin+SourceIp</c>), counted per
    /// user and address as Dovecot does.</summary>
    public bool IdentityWithSourceIp { get; init; }

    /// <summary>How identities are shown in logs, the admin API, the dashboard and the CLI; the ledger and
    /// <see cref="Overrides"/> use them as read.</summary>
    /// <remarks>Defaults to <see cref="Usher.Identity.IdentityDisplay.Hash"/> for an <c>HttpHeader</c> whose name says it carries a
    /// secret (key, token, secret, auth, …: <see cref="IdentityDisplayDefault"/>), else
    /// <see cref="Usher.Identity.IdentityDisplay.Clear"/>. Security: <c>Clear</c> on such a header writes every client's secret into
    /// the log and hands it to whoever reads the admin API.</remarks>
    public IdentityDisplay IdentityDisplay
    {
        get => _identityDisplay ?? IdentityDisplayDefault.For(Identity, IdentityArgument);
        init => _identityDisplay = value;
    }

    /// <summary>Peers allowed (and required) to send a PROXY protocol header; empty for none.</summary>
    public IReadOnlyList<System.Net.IPNetwork> TrustedProxies { get; init; } = [];

    /// <summary>Whether to send a PROXY protocol v2 header to the backend.</summary>
    public bool SendProxy { get; init; }

    /// <summary>Whether a client's FIN is passed on to the backend while the backend's answer goes on (the default, as
    /// HAProxy and socat do), rather than ending the session at once (nginx's proxy_half_close off). The backend's
    /// end always ends the session.</summary>
    public bool HalfClose { get; init; } = true;

    /// <summary>TLS termination; <c>null</c> when the listener relays bytes as they come (TlsSni then reads the
    /// ClientHello without terminating).</summary>
    public TlsSettings? Tls { get; init; }

    /// <summary>TLS towards the backend; <c>null</c> (the default) for plain TCP.</summary>
    public BackendTlsSettings? BackendTls { get; init; }

    /// <summary>The identity as written in the configuration.</summary>
    public string IdentityText =>
        (IdentityArgument is null ? Identity.ToString() : $"{Identity}:{IdentityArgument}") + (IdentityWithSourceIp ? "+SourceIp" : string.Empty);

    /// <summary>Sessions one identity may hold on this listener.</summary>
    /// <remarks>Defaults to 32.</remarks>
    public int MaxSessionsPerIdentity { get; init; } = DefaultMaxSessionsPerIdentity;

    /// <summary>Sessions of one identity whose credentials the backend has not accepted yet (PostgresUser, MqttClientId,
    /// MqttUsername, HttpHeader with Basic credentials): counted apart from <see cref="MaxSessionsPerIdentity"/>, so they
    /// never take an admitted session's place; past this many the next one is refused.</summary>
    /// <remarks>Defaults to 4: a client authenticates one connection at a time, and a pool opening a few at once fits;
    /// anyone may claim any name, so this is also how many connection attempts of one identity a stranger can hold
    /// (each for HandshakeTimeout at most) while the identity's own new logins are refused.</remarks>
    public int MaxUnconfirmedPerIdentity { get; init; } = DefaultMaxUnconfirmedPerIdentity;

    /// <summary>Sessions this listener may hold in all; <c>null</c> for no listener-wide limit.</summary>
    public int? MaxSessions { get; init; }

    /// <summary>Per-identity limits that replace <see cref="MaxSessionsPerIdentity"/> (service accounts).</summary>
    public FrozenDictionary<string, int> Overrides { get; init; } = FrozenDictionary<string, int>.Empty;

    /// <summary>What to do at the limit.</summary>
    public OnLimitPolicy OnLimit { get; init; } = OnLimitPolicy.Reject;

    /// <summary>How long a newcomer refused by its identity's limit waits in line for one of the identity's sessions to
    /// end and hand over its slot (a client that closes a session and opens the next at once); <c>0</c> refuses at
    /// once.</summary>
    /// <remarks>Defaults to 1 second. The cost: a client that truly holds its limit is refused this much later, and
    /// each waiting newcomer holds its socket meanwhile (at most the identity's limit of them wait; more are refused
    /// at once).</remarks>
    public TimeSpan ClosingWait { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>How long a new session may wait for a reclaim.</summary>
    public TimeSpan ReclaimWait { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Reclaim probes only sessions idle at least this long.</summary>
    /// <remarks>Defaults to 1 second.</remarks>
    public TimeSpan ProbeMinIdle { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>A probed session's keepalive: first probe at once, then one per interval.</summary>
    /// <remarks>Defaults to 1 second.</remarks>
    public TimeSpan ProbeInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Unanswered probes after which a probed session is dead.</summary>
    /// <remarks>Defaults to 2.</remarks>
    public int ProbeCount { get; init; } = 2;

    /// <summary>Keepalive applied to both the client and the backend socket.</summary>
    public KeepaliveSettings Keepalive { get; init; } = KeepaliveSettings.Default;

    /// <summary>TCP_USER_TIMEOUT on both sockets; <see cref="TimeSpan.Zero"/> leaves the kernel default.</summary>
    /// <remarks>Defaults to Idle + Interval × Count of <see cref="Keepalive"/>.</remarks>
    public TimeSpan UserTimeout
    {
        get => _userTimeout ?? Keepalive.Budget;
        init => _userTimeout = value;
    }

    /// <summary>Close a session after this long without data in either direction; <c>null</c> for never.</summary>
    public TimeSpan? IdleTimeout { get; init; }

    /// <summary>The longest a client may take to present its handshake.</summary>
    public TimeSpan HandshakeTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Connections one client address may hold at once while still in their handshake (TLS, PROXY header,
    /// the protocol's first message, an IMAP login), so one address cannot take the whole descriptor budget with
    /// connections that never say who they are; more are closed at accept (event 9660). Trusted proxies are exempt.</summary>
    /// <remarks>Defaults to <see cref="DefaultMaxHandshakesPerSource"/>. The gateway also holds any one address to
    /// half the connections its descriptor budget has room for.</remarks>
    public int MaxHandshakesPerSource { get; init; } = DefaultMaxHandshakesPerSource;

    /// <summary>The default of <see cref="MaxHandshakesPerSource"/>.</summary>
    public const int DefaultMaxHandshakesPerSource = 64;

    /// <summary>New connections one client address may open per window (a token bucket); <c>null</c> for no limit.</summary>
    public ConnectRateSettings? ConnectRate { get; init; }

    /// <summary>The longest a backend may take to accept a connection.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>The backend as written in the configuration.</summary>
    public string Backend => $"{BackendHost}:{BackendPort}";

    /// <summary>The session limit for <paramref name="identity"/>: its override, else the listener's limit.</summary>
    public int LimitFor(string identity) =>
        Overrides.Count != 0 && Overrides.TryGetValue(identity, out var limit) ? limit : MaxSessionsPerIdentity;
}
