using System.Diagnostics;
using System.Net;
using System.Text;
using Usher.Configuration;
using Usher.Identity;
using Usher.Testing;

namespace Usher.EndToEnd.Tests.Imap;

/// <summary>An in-process gateway in front of the tests' Dovecot, counting by IMAP login, and what the IMAP tests
/// check after each run.</summary>
internal static class ImapGateway
{
    /// <summary>Starts a gateway whose listener counts <c>ImapLogin</c> (or <c>ImapLogin+SourceIp</c>) with
    /// <paramref name="limit"/> sessions per identity (IMAPS with <paramref name="tls"/>).</summary>
    public static TestGateway Start(DovecotServer dovecot, int limit, bool withSourceIp = false, TimeSpan? handshakeTimeout = null,
        OnLimitPolicy onLimit = OnLimitPolicy.Reject, bool sendProxy = false, IReadOnlyList<IPNetwork>? trustedProxies = null,
        TlsSettings? tls = null) =>
        TestGateway.Start(new ListenerSettings
        {
            Name = "imap",
            Listen = new IPEndPoint(IPAddress.Loopback, 0),
            BackendHost = dovecot.EndPoint.Address.ToString(),
            BackendPort = sendProxy ? dovecot.ProxiedEndPoint.Port : dovecot.EndPoint.Port,
            SendProxy = sendProxy,
            TrustedProxies = trustedProxies ?? [],
            Identity = IdentityKind.ImapLogin,
            IdentityWithSourceIp = withSourceIp,
            MaxSessionsPerIdentity = limit,
            OnLimit = onLimit,
            ReclaimWait = TimeSpan.FromSeconds(10),
            Keepalive = EndToEnd.FastKeepalive,
            UserTimeout = EndToEnd.FastKeepalive.Budget,
            ConnectTimeout = TimeSpan.FromSeconds(5),
            // Dovecot delays answers after failed logins (auth penalty): leave it room unless a test is about time.
            HandshakeTimeout = handshakeTimeout ?? TimeSpan.FromSeconds(60),
            Tls = tls,
        });

    /// <summary>Connects and logs in with LOGIN; fails unless the backend answers OK.</summary>
    public static async Task<ImapClient> LoginAsync(TestGateway gateway, DovecotServer dovecot, string user, string? from = null)
    {
        var client = await ImapClient.ConnectAsync(gateway.EndPoint, from);
        var answer = await client.CommandAsync("L1", $"LOGIN {user} {dovecot.PasswordOf(user)}");
        Assert.StartsWith("L1 OK", answer[^1], StringComparison.Ordinal);
        return client;
    }

    /// <summary>The SASL PLAIN message (no authorization identity) in base64.</summary>
    public static string Plain(string user, string password) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes($"\0{user}\0{password}"));

    /// <summary>Logs out and closes.</summary>
    public static async Task LogoutAsync(ImapClient client)
    {
        var answer = await client.CommandAsync("Z9", "LOGOUT");
        Assert.StartsWith("Z9 OK", answer[^1], StringComparison.Ordinal);
        await client.DisposeAsync();
    }

    /// <summary>Waits until the ledger counts nothing, and checks that no password (plain or in a PLAIN message) is
    /// in the gateway's log.</summary>
    public static async Task AssertCleanAsync(TestGateway gateway, DovecotServer dovecot)
    {
        var waited = Stopwatch.StartNew();
        while (gateway.Gateway.Ledger.Total != 0)
        {
            Assert.True(waited.Elapsed < EndToEnd.Soon, $"the ledger still counts {gateway.Gateway.Ledger.Total}.{Environment.NewLine}{gateway.Logs.Dump()}");
            await Task.Delay(50);
        }

        var secrets = DovecotServer.Users.SelectMany(u => new[] { dovecot.PasswordOf(u), Plain(u, dovecot.PasswordOf(u)) }).ToArray();
        foreach (var record in gateway.Logs.Records)
        {
            var text = record.Message + string.Concat(record.State.Select(p => $"{p.Key}={p.Value}"));
            foreach (var secret in secrets)
            {
                Assert.DoesNotContain(secret, text, StringComparison.Ordinal);
            }
        }
    }

    /// <summary>Waits until <paramref name="identity"/> has <paramref name="count"/> sessions (closes are seen a
    /// moment after the client's).</summary>
    public static async Task WaitForSessionsAsync(TestGateway gateway, string identity, int count)
    {
        var waited = Stopwatch.StartNew();
        while (gateway.SessionsOf(identity) != count)
        {
            Assert.True(waited.Elapsed < EndToEnd.Soon,
                $"\"{identity}\" has {gateway.SessionsOf(identity)} sessions, not {count}.{Environment.NewLine}{gateway.Logs.Dump()}");
            await Task.Delay(50);
        }
    }
}
