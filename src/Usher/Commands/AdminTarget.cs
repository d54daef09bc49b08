using System.CommandLine;
using System.Net;
using System.Net.Sockets;
using Usher.Configuration;

namespace Usher.Cli.Commands;

/// <summary>Which admin endpoint a command talks to, and with which token: <c>--admin URL</c>, or the <c>Admin</c>
/// section of <c>--config FILE</c>, or http://127.0.0.1:9646; <c>--token-file</c> overrides the configured token.</summary>
/// <param name="Url">The endpoint's base address.</param>
/// <param name="Token">The bearer token, or <c>null</c> to send none.</param>
internal sealed record AdminTarget(Uri Url, string? Token)
{
    /// <summary>Where <c>usher run</c> serves the admin API when <c>Admin:Listen</c> is the design's default.</summary>
    public static readonly Uri DefaultUrl = new("http://127.0.0.1:9646");

    /// <summary>The options every admin command takes.</summary>
    public sealed class Options
    {
        public Option<string?> Config { get; } = new("--config", "-c")
        {
            Description = "Take the admin address and token from this configuration file's Admin section.",
        };

        public Option<string?> Admin { get; } = new("--admin")
        {
            Description = "The admin endpoint, e.g. http://127.0.0.1:9646 (the default without --config).",
        };

        public Option<string?> TokenFile { get; } = new("--token-file")
        {
            Description = "A file holding the bearer token (overrides the configuration's Admin:TokenFile).",
        };

        public void AddTo(Command command)
        {
            command.Options.Add(Config);
            command.Options.Add(Admin);
            command.Options.Add(TokenFile);
            Config.Validators.Add(ArgumentParsers.FilePath);
            TokenFile.Validators.Add(ArgumentParsers.FilePath);
            command.Validators.Add(result =>
            {
                // The tokens as given, not GetValue: an option missing its value has its own error, and GetValue throws.
                var admin = result.GetResult(Admin)?.Tokens is [var adminToken, ..] ? adminToken.Value : null;
                if (result.GetResult(Config) is { Tokens.Count: > 0 } && admin is not null)
                {
                    result.AddError("give --config or --admin, not both");
                }
                else if (admin is not null && TryParseUrl(admin) is null)
                {
                    result.AddError(NotAnUrl(admin));
                }
            });
        }
    }

    /// <summary>Resolves the target from the parsed options.</summary>
    /// <exception cref="AdminCommandException">The configuration, the URL or the token file cannot be used.</exception>
    public static AdminTarget From(ParseResult parse, Options options)
    {
        ArgumentNullException.ThrowIfNull(parse);
        ArgumentNullException.ThrowIfNull(options);
        var config = parse.GetValue(options.Config);
        var admin = parse.GetValue(options.Admin);
        var tokenFile = parse.GetValue(options.TokenFile);
        var target = config is not null ? FromConfig(config) : new AdminTarget(admin is null ? DefaultUrl : ParseUrl(admin), null);
        return tokenFile is null ? target : target with { Token = ReadToken(tokenFile) };
    }

    private static AdminTarget FromConfig(string path)
    {
        GatewaySettings settings;
        try
        {
            settings = ConfigLoader.Load(path);
        }
        catch (ConfigException e)
        {
            throw new AdminCommandException($"the configuration cannot be used:{Environment.NewLine}{e.Message}");
        }

        if (settings.Admin is not { } admin)
        {
            throw new AdminCommandException($"{path} has no Admin section, so `usher run` serves no admin API. " +
                "Fix: add \"Admin\": { \"Listen\": \"127.0.0.1:9646\" } under \"Usher\" and restart it, or pass --admin URL");
        }

        return new AdminTarget(UrlOf(admin.Listen), admin.Token);
    }

    /// <summary>The URL to reach an endpoint listening on <paramref name="listen"/>: a wildcard address is reached
    /// on loopback.</summary>
    internal static Uri UrlOf(IPEndPoint listen)
    {
        var address = listen.Address;
        if (address.Equals(IPAddress.Any))
        {
            address = IPAddress.Loopback;
        }
        else if (address.Equals(IPAddress.IPv6Any))
        {
            address = IPAddress.IPv6Loopback;
        }

        var host = address.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{address}]" : address.ToString();
        return new Uri($"http://{host}:{listen.Port}");
    }

    private static Uri ParseUrl(string text) => TryParseUrl(text) ?? throw new AdminCommandException(NotAnUrl(text));

    private static Uri? TryParseUrl(string text)
    {
        var withScheme = text.Contains("://", StringComparison.Ordinal) ? text : "http://" + text;
        return Uri.TryCreate(withScheme, UriKind.Absolute, out var url) && (url.Scheme == Uri.UriSchemeHttp || url.Scheme == Uri.UriSchemeHttps)
            && url.Port > 0 && url.Host.Length > 0
            ? url
            : null;
    }

    private static string NotAnUrl(string text) =>
        $"--admin \"{text}\" is not an http URL. Fix: write e.g. --admin http://127.0.0.1:9646";

    private static string ReadToken(string path)
    {
        string token;
        try
        {
            token = File.ReadAllText(path).Trim();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new AdminCommandException($"cannot read the token file {path}: {e.Message.TrimEnd('.')}. " +
                "Fix: give the file Admin:TokenFile names, readable by you (or run as its owner)");
        }

        return token.Length > 0
            ? token
            : throw new AdminCommandException($"the token file {path} is empty. Fix: give the file Admin:TokenFile names");
    }
}
