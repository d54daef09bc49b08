using Usher.Diagnostics;
using Usher.Identity;
using Usher.Testing;

namespace Usher.EndToEnd.Tests.Tls;

/// <summary>On a listener that terminates TLS too, a client that closes a session and opens the next at once is never
/// refused (its newcomer waits in line for the closing session's slot), and a newcomer that leaves while it waits
/// leaves the line at once.</summary>
[Collection(TlsCollection.Name)]
public sealed class TlsClosingWaitTests(TlsCertificates certificates)
{
    private const int Sessions = 200;

    [Fact]
    public async Task A_TLS_client_that_closes_and_reconnects_200_times_at_a_limit_of_1_is_never_refused()
    {
        await using var backend = new SessionServer();
        await using var gateway = TestGateway.Start(TlsListener.Create(certificates, backend.EndPoint, IdentityKind.TlsSni, 1));
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var refused = 0;
        var done = 0;
        for (; done < Sessions && clock.Elapsed < TimeSpan.FromSeconds(60); done++)
        {
            await using var client = await TlsClient.ConnectAsync(gateway.EndPoint, "a.example", certificates.Ca);
            if ((await client.ReadAsync())?.StartsWith("hello", StringComparison.Ordinal) != true)
            {
                refused++;
            }
        }

        Assert.Equal(Sessions, done);
        Assert.Equal(0, refused);
        Assert.Empty(gateway.Logs.WithId(UsherEvents.SessionLimitExceeded));
        await Eventually.HoldsAsync(() => gateway.Gateway.Ledger.Total == 0, EndToEnd.Soon, "every slot is back");
    }

    [Fact]
    public async Task A_TLS_newcomer_that_leaves_while_waiting_leaves_the_line_at_once()
    {
        await using var backend = new SessionServer();
        await using var gateway = TestGateway.Start(TlsListener.Create(certificates, backend.EndPoint, IdentityKind.TlsSni, 1)
            .With(closingWait: TimeSpan.FromSeconds(30)));
        var listener = gateway.Gateway.Listeners[0];
        await using var holder = await TlsClient.ConnectAsync(gateway.EndPoint, "a.example", certificates.Ca);
        Assert.Equal("hello 1\n", await holder.ReadAsync());
        var newcomer = await TlsClient.ConnectAsync(gateway.EndPoint, "a.example", certificates.Ca);
        await Eventually.HoldsAsync(() => listener.WaitingOf("a.example") == 1, EndToEnd.Soon, "the newcomer waits in line");

        newcomer.Socket.Close();

        await Eventually.HoldsAsync(() => listener.WaitingOf("a.example") == 0, TimeSpan.FromSeconds(5),
            "the newcomer that left is out of the line at once");
        Assert.Equal(1, gateway.Gateway.Ledger.Total);
        Assert.Empty(gateway.Logs.WithId(UsherEvents.SessionLimitExceeded));
        await newcomer.DisposeAsync();
    }
}
