namespace Usher.EndToEnd.Tests.Imap;

/// <summary>What clients send before and with their login, through the gateway to a real Dovecot: pre-login
/// commands, LOGIN with quoted strings and synchronizing literals, AUTHENTICATE PLAIN with and without an initial
/// response, commands pipelined after the login, STARTTLS.</summary>
[Collection(DovecotCollection.Name)]
public sealed class ImapLoginFormsTests(DovecotServer dovecot)
{
    [Fact]
    public async Task CAPABILITY_ID_and_NOOP_before_LOGIN_are_answered_by_the_backend()
    {
        await using var gateway = ImapGateway.Start(dovecot, limit: 4);
        await using var client = await ImapClient.ConnectAsync(gateway.EndPoint);
        Assert.Contains("Dovecot", client.Greeting, StringComparison.Ordinal);

        var capability = await client.CommandAsync("C1", "CAPABILITY");
        Assert.StartsWith("* CAPABILITY IMAP4rev1", capability[0], StringComparison.Ordinal);
        Assert.StartsWith("C1 OK", capability[^1], StringComparison.Ordinal);
        var id = await client.CommandAsync("C2", "ID (\"name\" \"usher-test\")");
        Assert.Contains(id, l => l.StartsWith("* ID", StringComparison.Ordinal));
        Assert.StartsWith("C2 OK", id[^1], StringComparison.Ordinal);
        Assert.StartsWith("C3 OK", (await client.CommandAsync("C3", "NOOP"))[^1], StringComparison.Ordinal);
        Assert.Equal(0, gateway.Gateway.Ledger.Total);

        var login = await client.CommandAsync("C4", $"LOGIN alice {dovecot.PasswordOf("alice")}");
        Assert.StartsWith("C4 OK", login[^1], StringComparison.Ordinal);
        Assert.Equal(1, gateway.SessionsOf("alice"));
        Assert.StartsWith("C5 OK", (await client.CommandAsync("C5", "SELECT INBOX"))[^1], StringComparison.Ordinal);

        await ImapGateway.LogoutAsync(client);
        await ImapGateway.AssertCleanAsync(gateway, dovecot);
    }

    [Fact]
    public async Task A_CAPABILITY_pipelined_with_the_LOGIN_is_answered_before_the_login_goes_through()
    {
        await using var gateway = ImapGateway.Start(dovecot, limit: 4);
        await using var client = await ImapClient.ConnectAsync(gateway.EndPoint);

        await client.SendAsync($"P1 CAPABILITY\r\nP2 NOOP\r\nP3 LOGIN alice {dovecot.PasswordOf("alice")}\r\n");
        Assert.StartsWith("P1 OK", (await client.ReadTaggedAsync("P1"))[^1], StringComparison.Ordinal);
        Assert.StartsWith("P2 OK", (await client.ReadTaggedAsync("P2"))[^1], StringComparison.Ordinal);
        Assert.StartsWith("P3 OK", (await client.ReadTaggedAsync("P3"))[^1], StringComparison.Ordinal);
        Assert.Equal(1, gateway.SessionsOf("alice"));

        await ImapGateway.LogoutAsync(client);
        await ImapGateway.AssertCleanAsync(gateway, dovecot);
    }

    [Fact]
    public async Task LOGIN_with_quoted_strings_logs_in_and_counts_the_user()
    {
        await using var gateway = ImapGateway.Start(dovecot, limit: 4);
        await using var client = await ImapClient.ConnectAsync(gateway.EndPoint);

        var answer = await client.CommandAsync("Q1", $"LOGIN \"Alice\" \"{dovecot.PasswordOf("alice")}\"");

        Assert.StartsWith("Q1 OK", answer[^1], StringComparison.Ordinal);
        // Logins are counted lower-cased, as Dovecot reads them.
        Assert.Equal(1, gateway.SessionsOf("alice"));
        await ImapGateway.LogoutAsync(client);
        await ImapGateway.AssertCleanAsync(gateway, dovecot);
    }

    [Fact]
    public async Task LOGIN_with_synchronizing_literals_gets_the_gateways_continuations_and_none_of_the_backends()
    {
        await using var gateway = ImapGateway.Start(dovecot, limit: 4);
        await using var client = await ImapClient.ConnectAsync(gateway.EndPoint);
        var password = dovecot.PasswordOf("alice");

        await client.SendAsync("L1 LOGIN {5}\r\n");
        Assert.Equal("+ Ready", await client.ReadLineAsync());
        await client.SendAsync($"alice {{{password.Length}}}\r\n");
        Assert.Equal("+ Ready", await client.ReadLineAsync());
        await client.SendAsync(password + "\r\n");

        // Dovecot sends its own "+ OK" for each literal when it gets the command: the gateway drops them.
        var answer = await client.ReadTaggedAsync("L1");
        Assert.Single(answer);
        Assert.StartsWith("L1 OK", answer[0], StringComparison.Ordinal);
        Assert.Equal(1, gateway.SessionsOf("alice"));

        await ImapGateway.LogoutAsync(client);
        await ImapGateway.AssertCleanAsync(gateway, dovecot);
    }

    [Fact]
    public async Task AUTHENTICATE_PLAIN_with_an_initial_response_logs_in()
    {
        await using var gateway = ImapGateway.Start(dovecot, limit: 4);
        await using var client = await ImapClient.ConnectAsync(gateway.EndPoint);

        var answer = await client.CommandAsync("I1", "AUTHENTICATE PLAIN " + ImapGateway.Plain("bob", dovecot.PasswordOf("bob")));

        Assert.StartsWith("I1 OK", answer[^1], StringComparison.Ordinal);
        Assert.Equal(1, gateway.SessionsOf("bob"));
        await ImapGateway.LogoutAsync(client);
        await ImapGateway.AssertCleanAsync(gateway, dovecot);
    }

    [Fact]
    public async Task AUTHENTICATE_PLAIN_with_a_continuation_logs_in()
    {
        await using var gateway = ImapGateway.Start(dovecot, limit: 4);
        await using var client = await ImapClient.ConnectAsync(gateway.EndPoint);

        await client.SendAsync("I2 AUTHENTICATE PLAIN\r\n");
        Assert.Equal("+ ", await client.ReadLineAsync());
        await client.SendAsync(ImapGateway.Plain("bob", dovecot.PasswordOf("bob")) + "\r\n");

        // Dovecot's own empty challenge is dropped: the next line is the answer.
        var answer = await client.ReadTaggedAsync("I2");
        Assert.Single(answer);
        Assert.StartsWith("I2 OK", answer[0], StringComparison.Ordinal);
        Assert.Equal(1, gateway.SessionsOf("bob"));
        await ImapGateway.LogoutAsync(client);
        await ImapGateway.AssertCleanAsync(gateway, dovecot);
    }

    [Fact]
    public async Task Commands_pipelined_after_the_LOGIN_reach_the_backend_once_it_accepted_the_login()
    {
        await using var gateway = ImapGateway.Start(dovecot, limit: 4);
        await using var client = await ImapClient.ConnectAsync(gateway.EndPoint);

        await client.SendAsync($"A1 LOGIN alice {dovecot.PasswordOf("alice")}\r\nA2 SELECT INBOX\r\nA3 LOGOUT\r\n");

        Assert.StartsWith("A1 OK", (await client.ReadTaggedAsync("A1"))[^1], StringComparison.Ordinal);
        Assert.StartsWith("A2 OK", (await client.ReadTaggedAsync("A2"))[^1], StringComparison.Ordinal);
        Assert.StartsWith("A3 OK", (await client.ReadTaggedAsync("A3"))[^1], StringComparison.Ordinal);
        Assert.Empty(await client.ReadToCloseAsync());
        await ImapGateway.AssertCleanAsync(gateway, dovecot);
    }

    [Fact]
    public async Task STARTTLS_counts_the_session_by_its_source_address_and_relays_it()
    {
        await using var gateway = ImapGateway.Start(dovecot, limit: 4);
        await using var client = await ImapClient.ConnectAsync(gateway.EndPoint, from: "127.0.0.4");

        // This Dovecot has no TLS: it refuses STARTTLS, and the session goes on, relayed and counted by address.
        var answer = await client.CommandAsync("T1", "STARTTLS");
        Assert.StartsWith("T1 BAD", answer[^1], StringComparison.Ordinal);
        Assert.Equal(1, gateway.SessionsOf("127.0.0.4"));

        var login = await client.CommandAsync("T2", $"LOGIN alice {dovecot.PasswordOf("alice")}");
        Assert.StartsWith("T2 OK", login[^1], StringComparison.Ordinal);
        Assert.Equal(0, gateway.SessionsOf("alice"));
        Assert.Equal(1, gateway.SessionsOf("127.0.0.4"));

        await ImapGateway.LogoutAsync(client);
        await ImapGateway.AssertCleanAsync(gateway, dovecot);
    }
}
