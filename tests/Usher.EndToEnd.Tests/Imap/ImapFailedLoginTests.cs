using Usher.Diagnostics;

namespace Usher.EndToEnd.Tests.Imap;

/// <summary>A login the backend refuses is not a session: its claim goes back (and it never took anyone's place), and what the client sends next is
/// read afresh, so a second login on the same connection counts under its own name (a failed decoy login cannot
/// carry another user past that user's limit).</summary>
[Collection(DovecotCollection.Name)]
public sealed class ImapFailedLoginTests(DovecotServer dovecot)
{
    [Fact]
    public async Task A_wrong_password_does_not_count_and_the_next_login_on_the_connection_does()
    {
        await using var gateway = ImapGateway.Start(dovecot, limit: 2);
        await using var client = await ImapClient.ConnectAsync(gateway.EndPoint);

        var failed = await client.CommandAsync("F1", "LOGIN alice wrong-password");
        Assert.StartsWith("F1 NO [AUTHENTICATIONFAILED]", failed[^1], StringComparison.Ordinal);
        Assert.Equal(0, gateway.Gateway.Ledger.Total);

        var login = await client.CommandAsync("F2", $"LOGIN alice {dovecot.PasswordOf("alice")}");
        Assert.StartsWith("F2 OK", login[^1], StringComparison.Ordinal);
        Assert.Equal(1, gateway.SessionsOf("alice"));

        await ImapGateway.LogoutAsync(client);
        await ImapGateway.AssertCleanAsync(gateway, dovecot);
    }

    [Fact]
    public async Task With_Takeover_a_wrong_password_for_alice_takes_nothing_over_and_holds_no_place()
    {
        await using var gateway = ImapGateway.Start(dovecot, limit: 1, onLimit: Configuration.OnLimitPolicy.Takeover);
        await using var alice = await ImapGateway.LoginAsync(gateway, dovecot, "alice");

        await using (var stranger = await ImapClient.ConnectAsync(gateway.EndPoint))
        {
            var failed = await stranger.CommandAsync("W1", "LOGIN alice not-her-password");
            Assert.StartsWith("W1 NO [AUTHENTICATIONFAILED]", failed[^1], StringComparison.Ordinal);
        }

        Assert.StartsWith("N1 OK", (await alice.CommandAsync("N1", "NOOP"))[^1], StringComparison.Ordinal);
        Assert.Empty(gateway.Logs.WithId(UsherEvents.SessionReclaimed));
        Assert.Empty(gateway.Logs.WithId(UsherEvents.ReclaimStarted));
        Assert.Equal(1, gateway.SessionsOf("alice"));
        Assert.Equal(0, gateway.Gateway.Listeners[0].Context.State.Claims.Total);

        await ImapGateway.LogoutAsync(alice);
        await ImapGateway.AssertCleanAsync(gateway, dovecot);
    }

    [Fact]
    public async Task A_failed_decoy_login_does_not_let_a_user_at_the_limit_through_on_the_same_connection()
    {
        await using var gateway = ImapGateway.Start(dovecot, limit: 1);
        var bob = await ImapGateway.LoginAsync(gateway, dovecot, "bob");

        await using (var client = await ImapClient.ConnectAsync(gateway.EndPoint))
        {
            var decoy = await client.CommandAsync("D1", "LOGIN alice decoy");
            Assert.StartsWith("D1 NO [AUTHENTICATIONFAILED]", decoy[^1], StringComparison.Ordinal);

            var refused = await client.CommandAsync("D2", $"LOGIN bob {dovecot.PasswordOf("bob")}");
            Assert.StartsWith("D2 NO [UNAVAILABLE]", refused[^1], StringComparison.Ordinal);
            await client.ReadToCloseAsync();
        }

        var refusal = await gateway.Logs.WaitForAsync(UsherEvents.SessionLimitExceeded, EndToEnd.Soon);
        Assert.Equal("bob", refusal["Identity"]);
        Assert.Equal(0, gateway.SessionsOf("alice"));
        Assert.Equal(1, gateway.SessionsOf("bob"));

        await ImapGateway.LogoutAsync(bob);
        await ImapGateway.AssertCleanAsync(gateway, dovecot);
    }

    [Fact]
    public async Task A_pipelined_second_login_after_a_failed_one_is_read_again_and_counted_under_its_own_name()
    {
        await using var gateway = ImapGateway.Start(dovecot, limit: 1);
        var bob = await ImapGateway.LoginAsync(gateway, dovecot, "bob");

        await using (var client = await ImapClient.ConnectAsync(gateway.EndPoint))
        {
            await client.SendAsync($"D1 LOGIN alice decoy\r\nD2 LOGIN bob {dovecot.PasswordOf("bob")}\r\n");
            Assert.StartsWith("D1 NO [AUTHENTICATIONFAILED]", (await client.ReadTaggedAsync("D1"))[^1], StringComparison.Ordinal);
            Assert.StartsWith("D2 NO [UNAVAILABLE]", (await client.ReadTaggedAsync("D2"))[^1], StringComparison.Ordinal);
            await client.ReadToCloseAsync();
        }

        Assert.Equal("bob", (await gateway.Logs.WaitForAsync(UsherEvents.SessionLimitExceeded, EndToEnd.Soon))["Identity"]);
        await ImapGateway.LogoutAsync(bob);
        await ImapGateway.AssertCleanAsync(gateway, dovecot);
    }

    [Fact]
    public async Task The_answer_to_an_earlier_command_with_the_same_tag_is_not_taken_for_the_logins()
    {
        await using var gateway = ImapGateway.Start(dovecot, limit: 2);
        await using var client = await ImapClient.ConnectAsync(gateway.EndPoint);

        // Both commands tagged X: CAPABILITY's "X OK" comes first and must not settle the login.
        await client.SendAsync("X CAPABILITY\r\nX LOGIN alice decoy\r\n");
        Assert.StartsWith("X OK", (await client.ReadTaggedAsync("X"))[^1], StringComparison.Ordinal);
        Assert.StartsWith("X NO [AUTHENTICATIONFAILED]", (await client.ReadTaggedAsync("X"))[^1], StringComparison.Ordinal);
        Assert.Equal(0, gateway.Gateway.Ledger.Total);

        var login = await client.CommandAsync("Y", $"LOGIN bob {dovecot.PasswordOf("bob")}");
        Assert.StartsWith("Y OK", login[^1], StringComparison.Ordinal);
        Assert.Equal(1, gateway.SessionsOf("bob"));
        Assert.Equal(0, gateway.SessionsOf("alice"));

        await ImapGateway.LogoutAsync(client);
        await ImapGateway.AssertCleanAsync(gateway, dovecot);
    }

    [Fact]
    public async Task A_command_not_allowed_before_login_closes_the_connection_with_event_9650()
    {
        await using var gateway = ImapGateway.Start(dovecot, limit: 2);
        await using var client = await ImapClient.ConnectAsync(gateway.EndPoint);

        await client.SendAsync("S1 SELECT INBOX\r\n");

        Assert.Empty(await client.ReadToCloseAsync());
        var rejected = await gateway.Logs.WaitForAsync(UsherEvents.HandshakeRejected, EndToEnd.Soon);
        Assert.Contains("not allowed before login", (string)rejected["Problem"]!, StringComparison.Ordinal);
        await ImapGateway.AssertCleanAsync(gateway, dovecot);
    }
}
