using System.Net;
using System.Reflection;
using System.Text.Json;
using System.Text.RegularExpressions;
using Usher.Testing;

namespace Usher.EndToEnd.Tests.Cli;

/// <summary>The built <c>usher</c> executable, run as a user runs it: <c>dotnet usher.dll ARGS</c>.</summary>
internal static partial class UsherCli
{
    /// <summary>usher.dll as built in src/Usher/bin/CONFIGURATION/net10.0 (the copy beside the tests otherwise).</summary>
    public static string Dll { get; } = Locate();

    /// <summary>The dotnet host running the tests.</summary>
    public static string Host { get; } = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } h && File.Exists(h)
        ? h
        : Environment.ProcessPath is { } p && Path.GetFileNameWithoutExtension(p) == "dotnet" ? p : Tools.Find("dotnet");

    /// <summary>Starts <c>usher ARGS</c>.</summary>
    public static RunningProcess Start(params string[] arguments) => RunningProcess.Start(Host, [Dll, .. arguments]);

    /// <summary>Runs <c>usher ARGS</c> to its end.</summary>
    public static Task<ProcessResult> RunAsync(TimeSpan timeout, params string[] arguments) =>
        RunningProcess.RunAsync(Host, [Dll, .. arguments], timeout);

    /// <summary>Waits for the ListenerStarted line of a running <c>usher run</c> and returns where it accepts
    /// (the configuration says port 0, so only the log tells the port).</summary>
    public static async Task<IPEndPoint> WaitForListenerAsync(RunningProcess usher)
    {
        var line = await usher.WaitForLineAsync(l => l.Contains("accepting on", StringComparison.Ordinal), EndToEnd.Soon);
        return IPEndPoint.Parse(AcceptingOn().Match(line).Groups["endpoint"].Value);
    }

    /// <summary>Waits for the AdminStarted line (9658) of a running <c>usher run</c> and returns the admin URL.</summary>
    public static async Task<string> WaitForAdminAsync(RunningProcess usher)
    {
        var line = await usher.WaitForLineAsync(l => l.Contains("Admin API listening on", StringComparison.Ordinal), EndToEnd.Soon);
        return AdminListening().Match(line).Groups["url"].Value;
    }

    /// <summary>The JSON log entries (one per stdout line) with event id <paramref name="eventId"/>.</summary>
    public static IEnumerable<JsonElement> Entries(RunningProcess usher, int eventId) =>
        usher.Output.Select(l => JsonDocument.Parse(l).RootElement).Where(e => e.GetProperty("EventId").GetInt32() == eventId);

    /// <summary>A configuration file in a temporary folder, deleted on dispose.</summary>
    public static TempConfig Config(string json) => new(json);

    private static string Locate()
    {
        var configuration = typeof(UsherCli).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Usher.slnx")))
            {
                var built = Path.Combine(dir.FullName, "src", "Usher", "bin", configuration, "net10.0", "usher.dll");
                if (File.Exists(built))
                {
                    return built;
                }

                break;
            }
        }

        var beside = Path.Combine(AppContext.BaseDirectory, "usher.dll");
        return File.Exists(beside) ? beside : throw new FileNotFoundException("usher.dll is not built", beside);
    }

    [GeneratedRegex(@"accepting on (?<endpoint>\S+?),")]
    private static partial Regex AcceptingOn();

    [GeneratedRegex(@"Admin API listening on (?<url>\S+) ")]
    private static partial Regex AdminListening();
}

/// <summary>A configuration file written into its own temporary folder.</summary>
internal sealed class TempConfig : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("usher-e2e-").FullName;

    public TempConfig(string json)
    {
        Path = System.IO.Path.Combine(_directory, "usher.json");
        File.WriteAllText(Path, json);
    }

    /// <summary>The file's full path.</summary>
    public string Path { get; }

    /// <summary>A path in the same folder where no file is.</summary>
    public string Missing => System.IO.Path.Combine(_directory, "no-such-usher.json");

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
