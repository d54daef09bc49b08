using System.Collections.Frozen;
using System.Net;
using Usher.Configuration;

namespace Usher.Testing;

/// <summary>A <c>with</c> for <see cref="ListenerSettings"/> (a class with init-only properties): a copy with the
/// given values replaced and every other value kept.</summary>
public static class ListenerSettingsCopy
{
    /// <summary>Copies <paramref name="s"/>, replacing the values given.</summary>
    public static ListenerSettings With(
        this ListenerSettings s,
        string? name = null,
        IPEndPoint? listen = null,
        IPEndPoint? backend = null,
        int? maxSessionsPerIdentity = null,
        int? maxSessions = null,
        IReadOnlyDictionary<string, int>? overrides = null,
        KeepaliveSettings? keepalive = null,
        TimeSpan? userTimeout = null,
        TimeSpan? idleTimeout = null,
        TimeSpan? connectTimeout = null,
        bool? halfClose = null,
        TimeSpan? closingWait = null,
        Usher.Identity.IdentityDisplay? identityDisplay = null,
        Usher.Identity.IdentityKind? identity = null,
        string? identityArgument = null)
    {
        ArgumentNullException.ThrowIfNull(s);
        return new ListenerSettings
        {
            Name = name ?? s.Name,
            Listen = listen ?? s.Listen,
            BackendHost = backend?.Address.ToString() ?? s.BackendHost,
            BackendPort = backend?.Port ?? s.BackendPort,
            Identity = identity ?? s.Identity,
            IdentityArgument = identityArgument ?? s.IdentityArgument,
            IdentityWithSourceIp = s.IdentityWithSourceIp,
            IdentityDisplay = identityDisplay ?? s.IdentityDisplay,
            TrustedProxies = s.TrustedProxies,
            SendProxy = s.SendProxy,
            HalfClose = halfClose ?? s.HalfClose,
            MaxSessionsPerIdentity = maxSessionsPerIdentity ?? s.MaxSessionsPerIdentity,
            MaxSessions = maxSessions ?? s.MaxSessions,
            MaxUnconfirmedPerIdentity = s.MaxUnconfirmedPerIdentity,
            Overrides = overrides?.ToFrozenDictionary(StringComparer.Ordinal) ?? s.Overrides,
            OnLimit = s.OnLimit,
            ReclaimWait = s.ReclaimWait,
            ClosingWait = closingWait ?? s.ClosingWait,
            ProbeMinIdle = s.ProbeMinIdle,
            ProbeInterval = s.ProbeInterval,
            ProbeCount = s.ProbeCount,
            Keepalive = keepalive ?? s.Keepalive,
            // As in configuration: a new keepalive without its own user timeout brings its budget.
            UserTimeout = userTimeout ?? (keepalive is null ? s.UserTimeout : keepalive.Budget),
            IdleTimeout = idleTimeout ?? s.IdleTimeout,
            HandshakeTimeout = s.HandshakeTimeout,
            MaxHandshakesPerSource = s.MaxHandshakesPerSource,
            ConnectTimeout = connectTimeout ?? s.ConnectTimeout,
            Tls = s.Tls,
            ConnectRate = s.ConnectRate,
        };
    }
}
