using Usher.Diagnostics;
using Usher.Testing;

namespace Usher.EndToEnd.Tests.Imap;

/// <summary>A refused login as real IMAP clients read it, in front of a real Dovecot: every answer the client waits
/// for comes, in order, before the tagged <c>NO [UNAVAILABLE]</c> and the <c>BYE</c>.</summary>
[Collection(DovecotCollection.Name)]
public sealed class ImapRefusalOrderTests(DovecotServer dovecot)
{
    private const string No = "NO [UNAVAILABLE] Too many sessions for this user, try again later";
    private const string Bye = "* BYE [UNAVAILABLE] Too many sessions for this user, try again later";

    [Fact]
    public async Task A_client_that_pipelines_CAPABILITY_and_LOGIN_at_its_limit_gets_the_greeting_and_the_CAPABILITY_answer_before_NO_and_BYE()
    {
        await using var gateway = ImapGateway.Start(dovecot, limit: 1);
        var held = await ImapGateway.LoginAsync(gateway, dovecot, "alice");

        // Sent at once on connect, before the greeting: the refusal is decided before Dovecot has said anything.
        // A few rounds, as the greeting may or may not have come by then.
        for (var round = 1; round <= 3; round++)
        {
            await using var pipelined = await ImapClient.ConnectAsync(gateway.EndPoint,
                preamble: $"a1 CAPABILITY\r\na2 LOGIN alice {dovecot.PasswordOf("alice")}\r\n");
            // A busy Dovecot may say "* OK Waiting for authentication process to respond.." before its real greeting.
            var rest = (await pipelined.ReadToCloseAsync()).SkipWhile(l => l.StartsWith("* OK ", StringComparison.Ordinal)).ToList();

            Assert.StartsWith("* OK", pipelined.Greeting, StringComparison.Ordinal);
            var shown = $"greeting: {pipelined.Greeting} | rest: {string.Join(" | ", rest)}";
            Assert.True(rest.Count == 4, shown);
            Assert.StartsWith("* CAPABILITY ", rest[0], StringComparison.Ordinal);
            Assert.StartsWith("a1 OK", rest[1], StringComparison.Ordinal);
            Assert.Equal("a2 " + No, rest[2]);
            Assert.Equal(Bye, rest[3]);
        }

        var refusal = await gateway.Logs.WaitForAsync(UsherEvents.SessionLimitExceeded, EndToEnd.Soon);
        Assert.Equal("alice", refusal["Identity"]);

        Assert.Equal(1, gateway.SessionsOf("alice"));
        await ImapGateway.LogoutAsync(held);
        await ImapGateway.AssertCleanAsync(gateway, dovecot);
    }

    [Fact]
    public async Task Python_imaplib_at_its_limit_reads_the_refusal_as_an_UNAVAILABLE_login_error()
    {
        await using var gateway = ImapGateway.Start(dovecot, limit: 1);
        var held = await ImapGateway.LoginAsync(gateway, dovecot, "alice");
        const string script = """
            import imaplib, sys
            client = imaplib.IMAP4(sys.argv[1], int(sys.argv[2]))
            print("capabilities", " ".join(client.capabilities))
            try:
                client.login(sys.argv[3], sys.argv[4])
                print("logged in")
            except imaplib.IMAP4.error as e:
                print("refused", e)
            """;

        var run = await RunningProcess.RunAsync(Tools.Find("python3"),
            ["-c", script, gateway.EndPoint.Address.ToString(), gateway.EndPoint.Port.ToString(), "alice", dovecot.PasswordOf("alice")],
            TimeSpan.FromSeconds(60));

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("capabilities IMAP4REV1", run.Output, StringComparison.OrdinalIgnoreCase);
        Assert.Contains($"refused b'[UNAVAILABLE] Too many sessions for this user, try again later'", run.Output, StringComparison.Ordinal);
        Assert.Equal(1, gateway.SessionsOf("alice"));
        await ImapGateway.LogoutAsync(held);
        await ImapGateway.AssertCleanAsync(gateway, dovecot);
    }
}
