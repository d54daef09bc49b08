namespace Usher.EndToEnd.Tests.Cli;

/// <summary><c>usher demo</c>, the first thing a new user runs.</summary>
public sealed class DemoCommandTests
{
    [Fact]
    public async Task Demo_exits_0_within_a_minute_and_shows_a_refusal_and_as_root_a_vanished_client_found_dead()
    {
        var result = await UsherCli.RunAsync(TimeSpan.FromSeconds(60), "demo");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("[event 9646 SessionLimitExceeded]", result.Output, StringComparison.Ordinal);
        Assert.Contains("Demo complete.", result.Output, StringComparison.Ordinal);
        Assert.Contains("[event 9658 AdminStarted]", result.Output, StringComparison.Ordinal);
        Assert.Contains("[event 9653 SessionKilled]", result.Output, StringComparison.Ordinal);
        Assert.Contains("closed: Killed", result.Output, StringComparison.Ordinal);
        if (Environment.UserName == "root")
        {
            // As root the demo puts a client in a network namespace and cuts its link.
            Assert.Contains("[event 9648 PeerDead]", result.Output, StringComparison.Ordinal);
            Assert.Contains("client found dead by keepalive", result.Output, StringComparison.Ordinal);
            Assert.Contains("closed: ClientDead", result.Output, StringComparison.Ordinal);
        }
    }
}
