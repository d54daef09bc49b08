using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Usher.EndToEnd.Tests.Cli;
using Usher.Testing;
using Xunit.Abstractions;

namespace Usher.EndToEnd.Tests.Packaging;

/// <summary>The ways Usher is installed: the .NET tool, the single file (which the Dockerfile builds), the systemd
/// unit.</summary>
[Collection(PackagingCollection.Name)]
public sealed partial class PackagingTests(PublishedUsher published, ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task The_packed_tool_installs_into_a_tool_path_from_the_local_folder_alone_and_prints_its_version()
    {
        var tools = published.Scratch("tools");
        var config = Path.Combine(published.Scratch("nuget"), "nuget.config");
        await File.WriteAllTextAsync(config, $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration><packageSources><clear /><add key="local" value="{published.Packages}" /></packageSources></configuration>
            """);

        var install = await RunningProcess.RunAsync(UsherCli.Host, ["tool", "install", "--tool-path", tools, "--configfile", config, "Usher"], Timeout);
        Assert.True(install.ExitCode == 0, install.ToString());
        var version = await RunningProcess.RunAsync(Path.Combine(tools, "usher"), ["--version"], Timeout);

        Assert.True(version.ExitCode == 0, version.ToString());
        Assert.Matches(Version(), version.Output.Trim());
    }

    [Fact]
    public async Task The_single_file_alone_in_a_folder_checks_the_sample_configuration_and_audits_a_port()
    {
        var alone = Path.Combine(published.Scratch("alone"), "usher");
        File.Copy(published.SingleFile, alone);
        output.WriteLine($"published in {published.PublishTook.TotalSeconds:0} s");

        var check = await RunningProcess.RunAsync(alone, ["check", "--config", Path.Combine(PublishedUsher.Root, "deploy", "usher.json")], Timeout);
        var audit = await RunningProcess.RunAsync(alone, ["audit", "--port", "9", "--json"], Timeout);

        Assert.True(check.ExitCode == 0, check.ToString());
        Assert.Contains("configuration is valid (1 listener(s))", check.Errors, StringComparison.Ordinal);
        Assert.Equal("ReclaimDead", JsonDocument.Parse(check.Output).RootElement.GetProperty("Usher").GetProperty("Listeners")[0].GetProperty("OnLimit").GetString());
        Assert.True(audit.ExitCode == 0, audit.ToString());
        Assert.Equal("netlink", JsonDocument.Parse(audit.Output).RootElement.GetProperty("source").GetString());
        Assert.Single(Directory.GetFiles(Path.GetDirectoryName(alone)!));
    }

    [Fact]
    public async Task The_single_file_serves_the_admin_endpoint_with_the_aspnet_core_it_carries()
    {
        await using var backend = new SessionServer();
        var admin = LocalPorts.Free(IPAddress.Loopback);
        using var config = UsherCli.Config($$"""
            { "Usher": { "Admin": { "Listen": "127.0.0.1:{{admin}}" },
              "Listeners": [ { "Name": "p", "Listen": "127.0.0.1:0", "Backend": "{{backend.EndPoint}}" } ] } }
            """);
        await using var usher = RunningProcess.Start(published.SingleFile, ["run", "--config", config.Path]);
        await UsherCli.WaitForAdminAsync(usher);
        await usher.WaitForLineAsync(l => l.Contains("accepting on", StringComparison.Ordinal), EndToEnd.Soon);

        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{admin}") };
        var status = await http.GetStringAsync(new Uri("/api/status", UriKind.Relative));

        Assert.Equal(1, JsonDocument.Parse(status).RootElement.GetProperty("listeners").GetArrayLength());
    }

    [Fact]
    public async Task Systemd_analyze_verify_accepts_the_unit_with_the_binary_where_it_says()
    {
        var unit = await File.ReadAllTextAsync(Path.Combine(PublishedUsher.Root, "deploy", "usher.service"));
        var copy = Path.Combine(published.Scratch("systemd"), "usher.service");
        await File.WriteAllTextAsync(copy, unit.Replace("/usr/local/bin/usher", published.SingleFile, StringComparison.Ordinal));

        var verify = await RunningProcess.RunAsync(Tools.Find("systemd-analyze"), ["verify", copy], Timeout);

        // verify exits 0 on settings it ignores: any word from it is a problem.
        Assert.True(verify.ExitCode == 0 && verify.Errors.Trim().Length == 0 && verify.Output.Trim().Length == 0, verify.ToString());
        foreach (var line in new[] { "Restart=on-failure", "ExecReload=/bin/kill -HUP $MAINPID", "CapabilityBoundingSet=\n", "User=usher", "NoNewPrivileges=yes", "$USHER_TAKE_OVER", "StateDirectory=usher" })
        {
            Assert.Contains(line, unit, StringComparison.Ordinal);
        }

        Assert.Matches(@"(?m)^LimitNOFILE=\d+$", unit);
    }

    [Fact]
    public async Task The_dockerfile_publishes_the_single_file_for_linux_x64_and_runs_it_unprivileged_with_the_admin_port_and_a_config_volume()
    {
        var dockerfile = await File.ReadAllTextAsync(Path.Combine(PublishedUsher.Root, "Dockerfile"));

        Assert.Equal(["-r", "linux-x64", "--self-contained", "-p:PublishSingleFile=true"],
            published.DockerPublish.Where(a => a is "-r" or "linux-x64" or "--self-contained" || a.StartsWith("-p:", StringComparison.Ordinal)));
        Assert.Equal(2, Regex.Count(dockerfile, "(?m)^FROM "));
        Assert.Matches(@"(?m)^FROM mcr\.microsoft\.com/dotnet/runtime-deps:10\.0", dockerfile);
        Assert.Matches(@"(?m)^COPY --from=build /app/usher /usr/local/bin/usher$", dockerfile);
        Assert.Matches(@"(?m)^USER \$APP_UID$", dockerfile);
        Assert.Matches(@"(?m)^EXPOSE 9646$", dockerfile);
        Assert.Matches(@"(?m)^VOLUME \[""/etc/usher"", ""/var/lib/usher""\]$", dockerfile);
        Assert.Matches(@"(?m)^ENV STATE_DIRECTORY=/var/lib/usher$", dockerfile);
        Assert.True(File.Exists(published.SingleFile));
    }

    [GeneratedRegex(@"^\d+\.\d+\.\d+(\+\w+)?$")]
    private static partial Regex Version();
}
