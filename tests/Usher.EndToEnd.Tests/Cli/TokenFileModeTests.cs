using System.Runtime.Versioning;
using Usher.Testing;

namespace Usher.EndToEnd.Tests.Cli;

/// <summary>A token file its group or others can read lets them list and kill sessions: <c>usher check</c>,
/// <c>usher doctor</c> and <c>usher run</c> each say so, naming the file and <c>chmod 600</c>, and go on (the file
/// may be meant for an operators' group); once it is <c>chmod 600</c> nothing is said.</summary>
[UnsupportedOSPlatform("windows")]
public sealed class TokenFileModeTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Check_doctor_and_run_warn_about_a_world_readable_token_file_and_stop_warning_after_chmod_600()
    {
        await using var backend = new SessionServer();
        using var config = UsherCli.Config($$"""
            { "Usher": { "Admin": { "Listen": "127.0.0.1:0", "TokenFile": "admin.token" },
                         "Listeners": [ { "Listen": "127.0.0.1:0", "Backend": "{{backend.EndPoint}}" } ] } }
            """);
        var token = Path.Combine(Path.GetDirectoryName(config.Path)!, "admin.token");
        await File.WriteAllTextAsync(token, "0123456789abcdef0123456789abcdef\n");
        File.SetUnixFileMode(token, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        var warning = $"usher: warning: {config.Path}: Usher:Admin:TokenFile: the token file \"{token}\" has mode 0644";
        var fix = $"Fix: chmod 600 {token}";

        var check = await UsherCli.RunAsync(Timeout, "check", "--config", config.Path);
        var doctor = await UsherCli.RunAsync(Timeout, "doctor", "--config", config.Path);

        Assert.True(check.ExitCode == 0, check.ToString());
        Assert.Contains(warning, check.Errors, StringComparison.Ordinal);
        Assert.Contains(fix, check.Errors, StringComparison.Ordinal);
        Assert.True(doctor.ExitCode == 0, doctor.ToString());
        Assert.Contains($"watch Usher:Admin:TokenFile: the token file \"{token}\" has mode 0644", doctor.Output, StringComparison.Ordinal);
        Assert.Contains($"→ chmod 600 {token}", doctor.Output, StringComparison.Ordinal);

        await using (var run = UsherCli.Start("run", "--config", config.Path))
        {
            await UsherCli.WaitForListenerAsync(run);
            await Eventually.HoldsAsync(() => run.Errors.Any(l => l.StartsWith(warning, StringComparison.Ordinal) && l.Contains(fix, StringComparison.Ordinal)),
                Timeout, "run warns about the token file on standard error");
        }

        File.SetUnixFileMode(token, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var quiet = await UsherCli.RunAsync(Timeout, "check", "--config", config.Path);
        Assert.True(quiet.ExitCode == 0, quiet.ToString());
        Assert.DoesNotContain("warning", quiet.Errors, StringComparison.Ordinal);
    }
}
