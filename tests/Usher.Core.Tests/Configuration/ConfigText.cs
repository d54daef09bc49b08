using System.Text;
using Microsoft.Extensions.Configuration;
using Usher.Configuration;

namespace Usher.Core.Tests.Configuration;

/// <summary>Reads configuration JSON the way the gateway reads its file.</summary>
internal static class ConfigText
{
    public const string Source = "/etc/usher/usher.json";

    public static GatewaySettings Read(string json) => ConfigReader.Read(Build(json), Source);

    /// <summary>A configuration with one listener and the Admin section <paramref name="admin"/> (JSON).</summary>
    public static string WithAdmin(string admin) => $$"""
        { "Usher": {
            "Admin": {{admin}},
            "Listeners": [ { "Name": "pg", "Listen": "127.0.0.1:6432", "Backend": "127.0.0.1:5432" } ] } }
        """;

    /// <summary>The errors reading <paramref name="json"/> fails with.</summary>
    public static IReadOnlyList<ConfigError> Errors(string json)
    {
        var e = Assert.Throws<ConfigException>(() => Read(json));
        Assert.NotEmpty(e.Errors);
        return e.Errors;
    }

    /// <summary>The single error reading <paramref name="json"/> fails with.</summary>
    public static ConfigError Error(string json) => Assert.Single(Errors(json));

    private static IConfigurationRoot Build(string json) =>
        new ConfigurationBuilder().AddJsonStream(new MemoryStream(Encoding.UTF8.GetBytes(json))).Build();
}
