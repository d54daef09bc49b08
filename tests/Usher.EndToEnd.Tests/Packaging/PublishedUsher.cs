using System.Diagnostics;
using System.Reflection;
using System.Text.RegularExpressions;
using Usher.EndToEnd.Tests.Cli;
using Usher.Testing;

namespace Usher.EndToEnd.Tests.Packaging;

/// <summary>Usher built as it ships, once for all the packaging tests: the self-contained single file by the very
/// <c>dotnet publish</c> command the Dockerfile runs, and the .NET tool package (<c>dotnet pack</c> of the build the
/// tests run, without building again). Both go to a temporary folder, deleted at the end.</summary>
public sealed partial class PublishedUsher : IAsyncLifetime
{
    /// <summary>Publishing self-contained compiles everything again in Release: about 25 s of CPU, but up to 10 minutes
    /// were measured on a 2-core machine shared by several builds.</summary>
    private static readonly TimeSpan PublishTimeout = TimeSpan.FromMinutes(20);

    private readonly string _directory = Directory.CreateTempSubdirectory("usher-packaging-").FullName;

    /// <summary>The repository's root (where Usher.slnx is).</summary>
    public static string Root { get; } = FindRoot();

    /// <summary>The Dockerfile's <c>RUN dotnet publish ...</c> arguments (after <c>dotnet</c>).</summary>
    public IReadOnlyList<string> DockerPublish { get; private set; } = [];

    /// <summary>The single-file <c>usher</c>.</summary>
    public string SingleFile => Path.Combine(_directory, "app", "usher");

    /// <summary>The folder holding <c>Usher.*.nupkg</c>.</summary>
    public string Packages => Path.Combine(_directory, "nupkg");

    /// <summary>A scratch folder of the fixture's.</summary>
    public string Scratch(string name) => Directory.CreateDirectory(Path.Combine(_directory, name)).FullName;

    /// <summary>How long the publish took, for the tests' output.</summary>
    public TimeSpan PublishTook { get; private set; }

    public async Task InitializeAsync()
    {
        DockerPublish = PublishArguments(await File.ReadAllTextAsync(Path.Combine(Root, "Dockerfile")));
        var output = DockerPublish.ToList();
        var o = output.IndexOf("-o");
        output[o + 1] = Path.Combine(_directory, "app");
        var configuration = typeof(PublishedUsher).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";
        var pack = await RunningProcess.RunAsync(UsherCli.Host,
            ["pack", Path.Combine(Root, "src", "Usher", "Usher.csproj"), "-c", configuration, "--no-build", "-o", Packages, "-nologo"], PublishTimeout, Quiet);
        Must(pack, "dotnet pack");

        // After the pack: the publish restores for linux-x64, rewriting the project's assets file the pack reads.
        var watch = Stopwatch.StartNew();
        Must(await RunningProcess.RunAsync(UsherCli.Host, output, PublishTimeout, Quiet), "dotnet publish (the Dockerfile's)");
        PublishTook = watch.Elapsed;
    }

    public Task DisposeAsync()
    {
        Directory.Delete(_directory, recursive: true);
        return Task.CompletedTask;
    }

    /// <summary>The arguments of the one <c>RUN dotnet publish</c> line of a Dockerfile, with its <c>-o</c>.</summary>
    internal static string[] PublishArguments(string dockerfile)
    {
        var lines = DockerPublishLine().Matches(dockerfile);
        if (lines.Count != 1)
        {
            throw new InvalidOperationException($"the Dockerfile has {lines.Count} `RUN dotnet publish` lines, not one");
        }

        var arguments = lines[0].Groups["arguments"].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return arguments.Contains("-o")
            ? [.. arguments.Select(a => a.StartsWith("src/", StringComparison.Ordinal) ? Path.Combine(Root, a) : a)]
            : throw new InvalidOperationException("the Dockerfile's publish has no -o");
    }

    private static readonly Dictionary<string, string?> Quiet = new()
    {
        ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
        ["DOTNET_NOLOGO"] = "1",
        ["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1",
    };

    private static void Must(ProcessResult result, string what)
    {
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"{what} failed: {result}");
        }
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Usher.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new DirectoryNotFoundException("no Usher.slnx above " + AppContext.BaseDirectory);
    }

    [GeneratedRegex(@"^RUN dotnet (?<arguments>publish [^\r\n]+)$", RegexOptions.Multiline)]
    private static partial Regex DockerPublishLine();
}

/// <summary>The packaging tests share one publish.</summary>
[CollectionDefinition(Name)]
public sealed class PackagingCollection : ICollectionFixture<PublishedUsher>
{
    /// <summary>The collection's name.</summary>
    public const string Name = "Packaging";
}
