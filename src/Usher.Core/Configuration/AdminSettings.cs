using System.Net;

namespace Usher.Configuration;

/// <summary>The admin endpoint (<c>Admin</c>): the HTTP API, <c>/metrics</c> and health check, on an address of its
/// own. Absent from the configuration, there is no admin endpoint.</summary>
/// <remarks>A class, not a record: its <see cref="object.ToString"/> must never print the token.</remarks>
public sealed class AdminSettings
{
    /// <summary>Where the admin endpoint listens, e.g. <c>127.0.0.1:9646</c>.</summary>
    public required IPEndPoint Listen { get; init; }

    /// <summary>The file the bearer token was read from (a full path); <c>null</c> when no token is required, which
    /// the configuration allows on a loopback address only.</summary>
    /// <remarks>Security: with a token, anyone who can read this file can list and kill sessions; keep it readable
    /// by Usher (and its operators) alone, e.g. <c>chmod 600</c>.</remarks>
    public string? TokenFile { get; init; }

    /// <summary>The bearer token (the file's content, trimmed); <c>null</c> when <see cref="TokenFile"/> is.</summary>
    public string? Token { get; init; }

    /// <summary>Host names (beyond the listen address and the loopback names <c>localhost</c>, <c>127.0.0.1</c>,
    /// <c>[::1]</c>) a request's <c>Host</c> may carry: the names operators reach the endpoint by, e.g. through a
    /// proxy. Lower case, no port.</summary>
    /// <remarks>Defaults to none. Security: every other <c>Host</c> is refused (421), which keeps a web page that
    /// rebinds its own name to this address (DNS rebinding) from listing or killing sessions.</remarks>
    public IReadOnlyList<string> AllowedHosts { get; init; } = [];

    /// <summary>Whether requests must present the token.</summary>
    public bool RequiresToken => Token is not null;

    /// <inheritdoc />
    public override string ToString() => $"Admin on {Listen}" + (RequiresToken ? $", token from {TokenFile}" : ", no token");
}
