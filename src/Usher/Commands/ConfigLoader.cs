using Microsoft.Extensions.Configuration;
using Usher.Configuration;

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

        return ConfigReader.Read(configuration, path);
    }
}
