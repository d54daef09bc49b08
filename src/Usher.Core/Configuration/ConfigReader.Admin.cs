using System.Net;
using Microsoft.Extensions.Configuration;

namespace Usher.Configuration;

/// <summary>The <c>Admin</c> section: where the admin endpoint listens and the file holding its bearer token. An
/// address other than loopback needs a token; the token file is read (and checked) when the configuration is.</summary>
public sealed partial class ConfigReader
{
    /// <summary>The shortest token accepted: a guessable token is no protection.</summary>
    internal const int MinTokenLength = 16;

    private const string TokenFix = "openssl rand -hex 32 > /etc/usher/admin.token; chmod 600 /etc/usher/admin.token";

    private AdminSettings? ReadAdmin(IConfigurationSection usher)
    {
        var section = usher.GetSection("Admin");
        if (!section.Exists())
        {
            return null;
        }

        if (section.Value is { Length: > 0 } text)
        {
            Error(section.Path, $"\"{text}\" must be an object",
                """write e.g. "Admin": { "Listen": "127.0.0.1:9646", "TokenFile": "/etc/usher/admin.token" }""");
            return null;
        }

        CheckKnownKeys(section, ConfigKeys.Admin);
        var listen = Endpoint(section, "Listen", required: true, mustBeAddress: true, example: "\"127.0.0.1:9646\" or \"[::1]:9646\"");
        var (tokenFile, token) = ReadToken(section);
        if (listen is { EndPoint: IPEndPoint endpoint } && !IPAddress.IsLoopback(endpoint.Address) && tokenFile is null
            && string.IsNullOrWhiteSpace(section["TokenFile"]))
        {
            Error(section.GetSection("TokenFile").Path,
                $"the key is missing, and Admin:Listen \"{section["Listen"]}\" is not a loopback address: anyone who reaches it could list and kill sessions",
                $"add a TokenFile with a bearer token (e.g. {TokenFix}), or listen on 127.0.0.1");
        }

        var allowedHosts = ReadAllowedHosts(section);
        return listen is { EndPoint: IPEndPoint at }
            ? new AdminSettings { Listen = at, TokenFile = tokenFile, Token = token, AllowedHosts = allowedHosts }
            : null;
    }

    /// <summary><c>Admin:AllowedHosts</c>: host names (or addresses) the <c>Host</c> header may name, no port.</summary>
    private List<string> ReadAllowedHosts(IConfigurationSection admin)
    {
        var section = admin.GetSection("AllowedHosts");
        var hosts = new List<string>();
        if (section.Value is { Length: > 0 } single)
        {
            Error(section.Path, $"\"{single}\" must be a list", $"write [\"{single}\"]");
            return hosts;
        }

        foreach (var entry in section.GetChildren())
        {
            var text = entry.Value?.Trim().TrimEnd('.') ?? string.Empty;
            var bare = text.StartsWith('[') && text.EndsWith(']') ? text[1..^1] : text;
            if (Uri.CheckHostName(bare) == UriHostNameType.Unknown || bare.Contains('*', StringComparison.Ordinal))
            {
                Error(entry.Path, $"\"{entry.Value}\" is not a host name",
                    "write a name the endpoint is reached by, without scheme or port, e.g. \"usher.internal\"");
                continue;
            }

            hosts.Add(bare.ToLowerInvariant());
        }

        return hosts;
    }

    private (string? File, string? Token) ReadToken(IConfigurationSection admin)
    {
        var text = admin["TokenFile"];
        var path = admin.GetSection("TokenFile").Path;
        if (text is null)
        {
            return (null, null);
        }

        if (string.IsNullOrWhiteSpace(text))
        {
            Error(path, "the file name is empty", $"write the path of a file holding the token, e.g. \"/etc/usher/admin.token\" ({TokenFix})");
            return (null, null);
        }

        var full = Path.IsPathRooted(text) ? text : Path.GetFullPath(text, ConfigFolder());
        string token;
        try
        {
            token = File.ReadAllText(full).Trim();
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            Error(path, $"the file \"{full}\" does not exist",
                $"create it with a token (e.g. {TokenFix}); a relative path starts at the configuration file's folder");
            return (null, null);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Error(path, $"the file \"{full}\" cannot be read: {e.Message.TrimEnd('.')}",
                "make it readable by the user Usher runs as (and by no one else: chmod 600)");
            return (null, null);
        }

        if (token.Length == 0)
        {
            Error(path, $"the file \"{full}\" is empty", $"write a token into it, e.g. {TokenFix}");
            return (null, null);
        }

        if (!token.All(c => c is > ' ' and <= '~'))
        {
            Error(path, $"the token in \"{full}\" holds spaces, line breaks or characters outside printable ASCII, which an Authorization header cannot carry",
                $"write one word of letters and digits, e.g. {TokenFix}");
            return (null, null);
        }

        if (token.Length < MinTokenLength)
        {
            Error(path, $"the token in \"{full}\" has {token.Length} characters, fewer than {MinTokenLength}: it could be guessed",
                $"write a longer random token, e.g. {TokenFix}");
            return (null, null);
        }

        return (full, token);
    }

    /// <summary>The admin endpoint cannot share a listener's address: one of the two would fail to bind at start.</summary>
    private void CheckAdminAddress(IConfigurationSection usher, AdminSettings? admin, List<ListenerSettings> listeners)
    {
        if (admin is null || admin.Listen.Port == 0)
        {
            return;
        }

        foreach (var listener in listeners)
        {
            if (Collide(admin.Listen, listener.Listen))
            {
                Error(usher.GetSection("Admin:Listen").Path,
                    $"\"{admin.Listen}\" is also where listener \"{listener.Name}\" listens ({listener.Listen})",
                    "give the admin endpoint a port of its own, e.g. \"127.0.0.1:9646\"");
            }
        }
    }
}
