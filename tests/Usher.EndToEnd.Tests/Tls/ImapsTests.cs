using Usher.Configuration;
using Usher.Diagnostics;
using Usher.EndToEnd.Tests.Imap;
using Usher.Testing;

namespace Usher.EndToEnd.Tests.Tls;

/// <summary>IMAPS: a listener that terminates TLS and counts by IMAP login in front of the tests' Dovecot, with Python's
/// imaplib.IMAP4_SSL and curl <c>imaps://</c> as clients checking the gateway's certificate against the test CA. The
/// third login of alice over a limit of 2 gets <c>NO [UNAVAILABLE]</c> inside TLS.</summary>
[Collection(DovecotCollection.Name)]
public sealed class ImapsTests(DovecotServer dovecot, TlsCertificates certificates) : IClassFixture<TlsCertificates>
{
    /// <summary>Logs alice in twice and holds both, says HELD, tries a third login and says how it went, then waits
    /// for its standard input to close before logging out.</summary>
    private const string Imaplib = """
        import imaplib, ssl, sys
        ca, port, password = sys.argv[1], int(sys.argv[2]), sys.argv[3]
        context = ssl.create_default_context(cafile=ca)
        held = []
        for _ in range(2):
            client = imaplib.IMAP4_SSL('127.0.0.1', port, ssl_context=context)
            client.login('alice', password)
            held.append(client)
        print('HELD', flush=True)
        third = imaplib.IMAP4_SSL('127.0.0.1', port, ssl_context=context)
        try:
            third.login('alice', password)
            print('ADMITTED', flush=True)
        except imaplib.IMAP4.error as e:
            print('REFUSED', e, flush=True)
        sys.stdin.readline()
        for client in held:
            client.logout()
        """;

    [Fact]
    public async Task The_third_IMAP4_SSL_login_of_alice_gets_NO_UNAVAILABLE_and_curl_imaps_too_while_bob_lists_his_mailboxes()
    {
        await using var gateway = ImapGateway.Start(dovecot, limit: 2,
            tls: new TlsSettings { Certificate = certificates.ServerPem, Key = certificates.ServerKey });
        var port = gateway.EndPoint.Port.ToString();

        var bob = await CurlAsync(port, "bob");
        Assert.True(bob.ExitCode == 0, bob.ToString());
        Assert.Contains("INBOX", bob.Output, StringComparison.Ordinal);

        await using var python = RunningProcess.Start(Tools.Find("python3"), ["-c", Imaplib, certificates.CaPem, port, dovecot.PasswordOf("alice")],
            keepInputOpen: true);
        await python.WaitForLineAsync(l => l == "HELD", EndToEnd.Soon);
        var third = await python.WaitForLineAsync(l => l.StartsWith("REFUSED", StringComparison.Ordinal) || l == "ADMITTED", EndToEnd.Soon);
        Assert.Equal("REFUSED b'[UNAVAILABLE] Too many sessions for this user, try again later'", third);
        Assert.Equal(2, gateway.SessionsOf("alice"));

        var curl = await CurlAsync(port, "alice");
        Assert.True(curl.ExitCode != 0, curl.ToString());
        Assert.Contains("NO [UNAVAILABLE] Too many sessions for this user", curl.Errors, StringComparison.Ordinal);

        // Refusals of one identity are logged folded: alice's at least once, nobody else's.
        var refusals = gateway.Logs.WithId(UsherEvents.SessionLimitExceeded);
        Assert.NotEmpty(refusals);
        Assert.All(refusals, r => Assert.Equal("alice", r["Identity"]));
        python.CloseInput();
        Assert.Equal(0, await python.WaitForExitAsync(EndToEnd.Soon));
        await ImapGateway.AssertCleanAsync(gateway, dovecot);
    }

    /// <summary>curl listing the mailboxes over IMAPS, verbose (the server's lines go to standard error).</summary>
    private Task<ProcessResult> CurlAsync(string port, string user) =>
        RunningProcess.RunAsync(Tools.Find("curl"),
            ["-sS", "-v", "--max-time", "30", "--cacert", certificates.CaPem, "--user", $"{user}:{dovecot.PasswordOf(user)}", $"imaps://127.0.0.1:{port}/"],
            TimeSpan.FromSeconds(60));
}
