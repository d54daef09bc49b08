using Microsoft.Extensions.Configuration;
using Usher.Configuration;
using Usher.Diagnostics;
using Usher.Gateway.Hosting;
using Usher.Testing;
using static Usher.Gateway.Tests.Reload.Reloading;

namespace Usher.Gateway.Tests.Reload;

/// <summary>The file watcher of <see cref="ConfigReloadService"/> on a real file: edits as editors make them (in
/// place, by rename, with the file gone for a moment), unchanged content, and invalid files.</summary>
public sealed class ConfigFileReloadTests : IAsyncLifetime
{
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("usher-reload-");
    private readonly SessionServer _backend = new();
    private TestGateway _gateway = null!;
    private ConfigReloadService _reloads = null!;

    private string FilePath => Path.Combine(_folder.FullName, "usher.json");

    public async Task InitializeAsync()
    {
        await File.WriteAllTextAsync(FilePath, Config(maxSessionsPerIdentity: 1));
        _gateway = TestGateway.Start(Load(FilePath));
        _reloads = new ConfigReloadService(_gateway.Gateway, FilePath, Load);
        await _reloads.StartAsync(CancellationToken.None);
        await Eventually.HoldsAsync(() => _reloads.Checks >= 1, Wait, "the first look at the file");
    }

    public async Task DisposeAsync()
    {
        await _reloads.DisposeAsync();
        await _gateway.DisposeAsync();
        await _backend.DisposeAsync();
        _folder.Delete(recursive: true);
    }

    [Fact]
    public async Task AFileEditedInPlaceIsReloadedAndTheNewLimitHoldsForNewSessions()
    {
        using var first = await AdmittedAsync(_gateway.EndPoint);
        await RefusedAsync(_gateway.EndPoint);

        await File.WriteAllTextAsync(FilePath, Config(maxSessionsPerIdentity: 2));

        var reloaded = await _gateway.Logs.WaitForAsync(UsherEvents.ConfigReloaded, Wait);
        Assert.Equal(FilePath, reloaded["Source"]);
        Assert.Equal("pg: MaxSessionsPerIdentity 1 → 2", reloaded["Changes"]);
        using var second = await AdmittedAsync(_gateway.EndPoint);
        await first.RelaysAsync();
    }

    [Fact]
    public async Task AFileReplacedByRenameAsEditorsSaveIsReloaded()
    {
        var temporary = FilePath + ".tmp";
        await File.WriteAllTextAsync(temporary, Config(maxSessionsPerIdentity: 3));
        File.Move(temporary, FilePath, overwrite: true);

        var reloaded = await _gateway.Logs.WaitForAsync(UsherEvents.ConfigReloaded, Wait);
        Assert.Equal("pg: MaxSessionsPerIdentity 1 → 3", reloaded["Changes"]);
    }

    [Fact]
    public async Task AFileMissingForAMomentIsNotRejectedAndIsReloadedWhenItComesBack()
    {
        File.Move(FilePath, FilePath + "~");
        var checks = _reloads.Checks;
        await Eventually.HoldsAsync(() => _reloads.Checks > checks, Wait, "the removal seen");
        await File.WriteAllTextAsync(FilePath, Config(maxSessionsPerIdentity: 4));

        var reloaded = await _gateway.Logs.WaitForAsync(UsherEvents.ConfigReloaded, Wait);
        Assert.Equal("pg: MaxSessionsPerIdentity 1 → 4", reloaded["Changes"]);
        Assert.Empty(_gateway.Logs.WithId(UsherEvents.ConfigRejected));
    }

    [Fact]
    public async Task AFileWrittenAgainWithTheSameContentLogsNothing()
    {
        var checks = _reloads.Checks;
        await File.WriteAllTextAsync(FilePath, Config(maxSessionsPerIdentity: 1));
        File.SetLastWriteTimeUtc(FilePath, DateTime.UtcNow.AddMinutes(1));

        await Eventually.HoldsAsync(() => _reloads.Checks > checks, Wait, "the write seen");
        Assert.Empty(_gateway.Logs.WithId(UsherEvents.ConfigReloaded));
        Assert.Empty(_gateway.Logs.WithId(UsherEvents.ConfigRejected));
    }

    [Fact]
    public async Task AnInvalidFileIsRejectedWithEveryProblemAndTheRunningConfigurationStaysUntilTheFileIsFixed()
    {
        using var first = await AdmittedAsync(_gateway.EndPoint);
        var running = _gateway.Gateway.Settings;

        await File.WriteAllTextAsync(FilePath, Config(maxSessionsPerIdentity: 5).Replace(
            "\"MaxSessionsPerIdentity\": 5", "\"MaxSessionsPerIdentity\": \"lots\", \"IdleTimeout\": \"5m\"", StringComparison.Ordinal));

        var rejected = await _gateway.Logs.WaitForAsync(UsherEvents.ConfigRejected, Wait);
        Assert.Equal(2, rejected["ProblemCount"]);
        var problems = (string)rejected["Problems"]!;
        Assert.Contains($"{FilePath}: Usher:Listeners:0:MaxSessionsPerIdentity: \"lots\"", problems, StringComparison.Ordinal);
        Assert.Contains($"{FilePath}: Usher:Listeners:0:IdleTimeout: \"5m\" is not a duration. Fix: ", problems, StringComparison.Ordinal);
        Assert.Same(running, _gateway.Gateway.Settings);
        await RefusedAsync(_gateway.EndPoint);
        await first.RelaysAsync();

        await File.WriteAllTextAsync(FilePath, Config(maxSessionsPerIdentity: 2));
        var reloaded = await _gateway.Logs.WaitForAsync(UsherEvents.ConfigReloaded, Wait);
        Assert.Equal("pg: MaxSessionsPerIdentity 1 → 2", reloaded["Changes"]);
        using var second = await AdmittedAsync(_gateway.EndPoint);
        Assert.Single(_gateway.Logs.WithId(UsherEvents.ConfigRejected));
    }

    private string Config(int maxSessionsPerIdentity) => $$"""
        { "Usher": {
            "ShutdownGrace": "00:00:01",
            "Listeners": [ { "Name": "pg", "Listen": "127.0.0.1:0", "Backend": "{{_backend.EndPoint}}",
                             "MaxSessionsPerIdentity": {{maxSessionsPerIdentity}} } ] } }
        """;

    /// <summary>Reads the file as <c>usher run</c> does: JSON, then <see cref="ConfigReader"/>.</summary>
    private static GatewaySettings Load(string path)
    {
        if (!File.Exists(path))
        {
            throw new ConfigException(new ConfigError(path, "(file)", "the file does not exist", "write it"));
        }

        return ConfigReader.Read(new ConfigurationBuilder().AddJsonFile(path, optional: false, reloadOnChange: false).Build(), path);
    }
}
