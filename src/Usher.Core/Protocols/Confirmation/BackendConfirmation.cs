using Usher.Configuration;
using Usher.Identity;
using Usher.Protocols.Http;
using Usher.Protocols.Mqtt;
using Usher.Protocols.Postgres;

namespace Usher.Protocols.Confirmation;

/// <summary>Which identities the backend confirms: those that come with credentials the backend checks (a
/// PostgreSQL role, an MQTT client id or user name, the user of HTTP Basic credentials). ImapLogin is confirmed by
/// its own conversation (<see cref="Imap.ImapConversation"/>); the others (the source address, a PROXY header, a bare
/// HTTP header, the TLS server name or client certificate) carry nothing a backend answers to and are admitted as they
/// are read.</summary>
public static class BackendConfirmation
{
    /// <summary>A watcher for one session of a listener, or <c>null</c> when its identity is not confirmed by the
    /// backend.</summary>
    public static IBackendWatcher? WatcherFor(ListenerSettings settings) => settings.Identity switch
    {
        IdentityKind.PostgresUser => new PostgresBackendWatcher(),
        IdentityKind.MqttClientId or IdentityKind.MqttUsername => new MqttConnAckWatcher(),
        IdentityKind.HttpHeader when IsBasic(settings.IdentityArgument) => new HttpStatusWatcher(),
        _ => null,
    };

    private static bool IsBasic(string? header) =>
        string.Equals(header, "Authorization", StringComparison.OrdinalIgnoreCase)
        || string.Equals(header, "Proxy-Authorization", StringComparison.OrdinalIgnoreCase);
}
