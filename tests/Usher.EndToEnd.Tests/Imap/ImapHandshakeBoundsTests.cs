using System.Diagnostics;
using Usher.Diagnostics;

namespace Usher.EndToEnd.Tests.Imap;

/// <summary>HandshakeTimeout bounds the time before login, and 16 KB what the client may send before it.</summary>
[Collection(DovecotCollection.Name)]
public sealed class ImapHandshakeBoundsTests(DovecotServer dovecot)
{
    [Fact]
    public async Task A_client_that_says_nothing_after_the_greeting_is_closed_at_HandshakeTimeout_with_event_9650()
    {
        var timeout = TimeSpan.FromSeconds(2);
        await using var gateway = ImapGateway.Start(dovecot, limit: 2, handshakeTimeout: timeout);
        var waited = Stopwatch.StartNew();
        await using var client = await ImapClient.ConnectAsync(gateway.EndPoint);

        var rest = await client.ReadToCloseAsync(timeout + EndToEnd.Soon);

        Assert.Empty(rest);
        Assert.InRange(waited.Elapsed, timeout - TimeSpan.FromMilliseconds(100), timeout + EndToEnd.Soon);
        var rejected = await gateway.Logs.WaitForAsync(UsherEvents.HandshakeRejected, EndToEnd.Soon);
        Assert.Contains("HandshakeTimeout", (string)rejected["Problem"]!, StringComparison.Ordinal);
        await ImapGateway.AssertCleanAsync(gateway, dovecot);
    }

    [Fact]
    public async Task A_client_that_stops_inside_its_LOGIN_is_closed_at_HandshakeTimeout()
    {
        var timeout = TimeSpan.FromSeconds(2);
        await using var gateway = ImapGateway.Start(dovecot, limit: 2, handshakeTimeout: timeout);
        await using var client = await ImapClient.ConnectAsync(gateway.EndPoint);

        await client.SendAsync("H1 LOGIN {5}\r\n");
        Assert.Equal("+ Ready", await client.ReadLineAsync());

        Assert.Empty(await client.ReadToCloseAsync(timeout + EndToEnd.Soon));
        await gateway.Logs.WaitForAsync(UsherEvents.HandshakeRejected, EndToEnd.Soon);
        await ImapGateway.AssertCleanAsync(gateway, dovecot);
    }

    [Fact]
    public async Task More_than_16_KB_before_login_closes_the_connection_with_event_9650()
    {
        await using var gateway = ImapGateway.Start(dovecot, limit: 2);
        await using var client = await ImapClient.ConnectAsync(gateway.EndPoint);

        await client.SendAsync(string.Concat(Enumerable.Repeat("N NOOP\r\n", 2400)));

        await client.ReadToCloseAsync();
        var rejected = await gateway.Logs.WaitForAsync(UsherEvents.HandshakeRejected, EndToEnd.Soon);
        Assert.Contains("16 KB", (string)rejected["Problem"]!, StringComparison.Ordinal);
        await ImapGateway.AssertCleanAsync(gateway, dovecot);
    }
}
