using Usher.Configuration;
using Usher.Diagnostics;
using Usher.Sessions;
using Usher.Testing;

namespace Usher.EndToEnd.Tests.Imap;

/// <summary>The per-login limit in front of a real Dovecot: counted by the LOGIN's user (and address, with
/// ImapLogin+SourceIp), refused with a tagged NO [UNAVAILABLE] in IMAP.</summary>
[Collection(DovecotCollection.Name)]
public sealed class ImapLoginLimitTests(DovecotServer dovecot)
{
    [Fact]
    public async Task The_third_login_of_alice_gets_NO_UNAVAILABLE_and_is_closed_while_bob_is_unaffected()
    {
        await using var gateway = ImapGateway.Start(dovecot, limit: 2);
        var first = await ImapGateway.LoginAsync(gateway, dovecot, "alice");
        var second = await ImapGateway.LoginAsync(gateway, dovecot, "alice");
        Assert.Equal(2, gateway.SessionsOf("alice"));

        await using (var third = await ImapClient.ConnectAsync(gateway.EndPoint))
        {
            var answer = await third.CommandAsync("A3", $"LOGIN alice {dovecot.PasswordOf("alice")}");
            Assert.Equal("A3 NO [UNAVAILABLE] Too many sessions for this user, try again later", answer[^1]);
            var rest = await third.ReadToCloseAsync();
            Assert.Equal(["* BYE [UNAVAILABLE] Too many sessions for this user, try again later"], rest);
        }

        var refusal = await gateway.Logs.WaitForAsync(UsherEvents.SessionLimitExceeded, EndToEnd.Soon);
        Assert.Equal("alice", refusal["Identity"]);
        Assert.Equal(2, refusal["Limit"]);
        Assert.Equal("ImapLogin", refusal["IdentityKind"]);
        Assert.Equal(2, gateway.SessionsOf("alice"));

        // bob has a count of his own.
        var bob = await ImapGateway.LoginAsync(gateway, dovecot, "bob");
        Assert.Equal(1, gateway.SessionsOf("bob"));

        // Admitted sessions are relayed as usual.
        var select = await first.CommandAsync("S1", "SELECT INBOX");
        Assert.StartsWith("S1 OK", select[^1], StringComparison.Ordinal);

        // One of alice's sessions ends: she gets in again.
        await ImapGateway.LogoutAsync(first);
        await ImapGateway.WaitForSessionsAsync(gateway, "alice", 1);
        var again = await ImapGateway.LoginAsync(gateway, dovecot, "alice");
        Assert.Equal(2, gateway.SessionsOf("alice"));

        foreach (var client in new[] { second, bob, again })
        {
            await ImapGateway.LogoutAsync(client);
        }

        await ImapGateway.AssertCleanAsync(gateway, dovecot);
    }

    [Fact]
    public async Task ImapLogin_plus_SourceIp_counts_one_login_from_two_addresses_apart()
    {
        await using var gateway = ImapGateway.Start(dovecot, limit: 1, withSourceIp: true);
        var fromTwo = await ImapGateway.LoginAsync(gateway, dovecot, "alice", from: "127.0.0.2");
        var fromThree = await ImapGateway.LoginAsync(gateway, dovecot, "alice", from: "127.0.0.3");
        Assert.Equal(1, gateway.SessionsOf("alice@127.0.0.2"));
        Assert.Equal(1, gateway.SessionsOf("alice@127.0.0.3"));

        await using (var again = await ImapClient.ConnectAsync(gateway.EndPoint, from: "127.0.0.2"))
        {
            var answer = await again.CommandAsync("A2", $"LOGIN alice {dovecot.PasswordOf("alice")}");
            Assert.StartsWith("A2 NO [UNAVAILABLE]", answer[^1], StringComparison.Ordinal);
            await again.ReadToCloseAsync();
        }

        var refusal = await gateway.Logs.WaitForAsync(UsherEvents.SessionLimitExceeded, EndToEnd.Soon);
        Assert.Equal("alice@127.0.0.2", refusal["Identity"]);
        Assert.Equal("ImapLogin+SourceIp", refusal["IdentityKind"]);
        Assert.Equal(1, gateway.SessionsOf("alice@127.0.0.3"));

        await ImapGateway.LogoutAsync(fromTwo);
        await ImapGateway.LogoutAsync(fromThree);
        await ImapGateway.AssertCleanAsync(gateway, dovecot);
    }

    [Fact]
    public async Task With_OnLimit_Takeover_a_new_login_of_alice_replaces_her_oldest_session()
    {
        await using var gateway = ImapGateway.Start(dovecot, limit: 1, onLimit: OnLimitPolicy.Takeover);
        await using var oldest = await ImapGateway.LoginAsync(gateway, dovecot, "alice");

        var newest = await ImapGateway.LoginAsync(gateway, dovecot, "alice");

        Assert.Empty(await oldest.ReadToCloseAsync());
        var reclaimed = await gateway.Logs.WaitForAsync(UsherEvents.SessionReclaimed, EndToEnd.Soon);
        Assert.Equal(CloseReason.TakenOver, reclaimed["CloseReason"]);
        Assert.Equal(1, gateway.SessionsOf("alice"));
        Assert.StartsWith("S1 OK", (await newest.CommandAsync("S1", "SELECT INBOX"))[^1], StringComparison.Ordinal);
        await ImapGateway.LogoutAsync(newest);
        await ImapGateway.AssertCleanAsync(gateway, dovecot);
    }

    [Fact]
    public async Task With_SendProxy_Dovecot_sees_the_clients_own_address()
    {
        await using var gateway = ImapGateway.Start(dovecot, limit: 2, sendProxy: true);

        var client = await ImapGateway.LoginAsync(gateway, dovecot, "carol", from: "127.0.0.5");

        await ImapGateway.LogoutAsync(client);
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (!dovecot.ServerLog().Contains("Login: user=<carol>, method=PLAIN, rip=127.0.0.5,", StringComparison.Ordinal))
        {
            Assert.True(waited.Elapsed < EndToEnd.Soon, dovecot.ServerLog());
            await Task.Delay(100);
        }

        await ImapGateway.AssertCleanAsync(gateway, dovecot);
    }

    [Fact]
    public async Task Behind_a_trusted_proxy_the_PROXY_header_is_read_first_and_its_address_joins_the_login()
    {
        await using var gateway = ImapGateway.Start(dovecot, limit: 1, withSourceIp: true,
            trustedProxies: [System.Net.IPNetwork.Parse("127.0.0.0/8")]);
        const string header = "PROXY TCP4 198.51.100.7 127.0.0.1 40000 143\r\n";

        await using var client = await ImapClient.ConnectAsync(gateway.EndPoint, preamble: header);
        var login = await client.CommandAsync("P1", $"LOGIN alice {dovecot.PasswordOf("alice")}");

        Assert.StartsWith("P1 OK", login[^1], StringComparison.Ordinal);
        Assert.Equal(1, gateway.SessionsOf("alice@198.51.100.7"));
        await ImapGateway.LogoutAsync(client);
        await ImapGateway.AssertCleanAsync(gateway, dovecot);
    }

    [Fact]
    public async Task Curl_lists_the_mailbox_through_Usher_and_is_denied_at_the_limit()
    {
        await using var gateway = ImapGateway.Start(dovecot, limit: 1);
        var url = $"imap://127.0.0.1:{gateway.EndPoint.Port}/";
        var credentials = $"carol:{dovecot.PasswordOf("carol")}";
        string[] curl = ["-s", "-S", "--max-time", "30", url, "-u", credentials];

        var listed = await RunningProcess.RunAsync(Tools.Find("curl"), curl, TimeSpan.FromSeconds(60));
        Assert.True(listed.ExitCode == 0, listed.ToString());
        Assert.Contains("INBOX", listed.Output, StringComparison.Ordinal);
        await ImapGateway.WaitForSessionsAsync(gateway, "carol", 0);

        var held = await ImapGateway.LoginAsync(gateway, dovecot, "carol");
        var denied = await RunningProcess.RunAsync(Tools.Find("curl"), curl, TimeSpan.FromSeconds(60));
        Assert.True(denied.ExitCode == 67, $"curl should report the login denied (67): {denied}");
        var refusal = await gateway.Logs.WaitForAsync(UsherEvents.SessionLimitExceeded, EndToEnd.Soon);
        Assert.Equal("carol", refusal["Identity"]);

        await ImapGateway.LogoutAsync(held);
        await ImapGateway.AssertCleanAsync(gateway, dovecot);
    }
}
