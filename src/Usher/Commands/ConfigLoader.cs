using Microsoft.Extensions.Configuration;
using Usher.Configuration;
using Usher.Gateway;

namespace Usher.Cli.Commands;

/// <summary>Loads a configuration file (JSON, with <c>Usher__…</c> environment overrides) into effective settings;
/// every failure is a <see cref="ConfigException"/> that names the file, the key and the fix.</summary>
internal static class ConfigLoader
{
    public static GatewaySettings Load(string path)
    {
        var full = Path.GetFullPath(path);
        if (Directory.Exists(full))
        {
            throw new ConfigException(new ConfigError(path, "(file)", "this is a folder, not a file",
                "pass the path of the JSON configuration file inside it with --config, e.g. " + Path.Combine(path, "usher.json")));
        }

        if (!File.Exists(full))
        {
            throw new ConfigException(new ConfigError(path, "(file)", "the file does not exist",
                "pass the path of a JSON configuration file with --config, or try `usher demo` first"));
        }

        IConfigurationRoot configuration;
        try
        {
            configuration = new ConfigurationBuilder()
                .AddJsonFile(full, optional: false, reloadOnChange: false)
                .AddEnvironmentVariables()
                .Build();
        }
        catch (Exception e) when (e is FormatException or InvalidDataException or IOException or UnauthorizedAccessException)
        {
            // The innermost exception is the parser's, the one that names the line and the position.
            var detail = e.GetBaseException().Message.TrimEnd('.');
            throw new ConfigException(new ConfigError(path, "(file)", $"the file is not valid JSON: {detail}",
                "correct the JSON syntax at the position named (a missing comma, quote or brace)"));
        }

        var settings = ConfigReader.Read(configuration, path);
        if (settings.Ledger is { Kind: LedgerKind.Redis } ledger && Usher.Redis.RedisConnection.Problem(ledger.Configuration) is { } problem)
        {
            throw new ConfigException(new ConfigError(path, "Usher:Ledger:Configuration",
                $"\"{ledger.Configuration}\" is not a StackExchange.Redis connection string: {problem}",
                "write host:port, e.g. \"127.0.0.1:6379\", with options after commas (\"redis-a:6379,redis-b:6379,serviceName=usher\" for Sentinel)"));
        }

        // The same rule for `usher check`, `usher run` and a reload: a limit that leaves no room to serve is an error.
        return DescriptorFit.Check(settings, ProcessLimits.OpenFilesLimit()) is { } tooFew ? throw new ConfigException(tooFew) : settings;
    }

    /// <summary>Writes what a valid configuration still does unsafely (a token file others can read) to standard
    /// error, one line each; <c>check</c> and <c>run</c> both say it, and both go on.</summary>
    public static async Task WarnAsync(GatewaySettings settings)
    {
        foreach (var warning in ConfigWarnings.Of(settings))
        {
            await Console.Error.WriteLineAsync("usher: warning: " + warning);
        }
    }

    /// <summary>Writes the problems of a configuration to standard error, as <c>check</c> and <c>run</c> both list
    /// them: a count, then one line per problem naming the file, the key and the fix.</summary>
    public static async Task ReportAsync(ConfigException problems)
    {
        ArgumentNullException.ThrowIfNull(problems);
        await Console.Error.WriteLineAsync($"usher: {problems.Errors.Count} problem(s) in the configuration:");
        foreach (var error in problems.Errors)
        {
            await Console.Error.WriteLineAsync("  " + error);
        }
    }
}
