using System.Net.Sockets;
using System.Text;
using Usher.Configuration;
using Usher.Diagnostics;
using Usher.Identity;
using Usher.Ledger;
using Usher.Sessions;
using Usher.Testing;

namespace Usher.Gateway.Tests.Ledger;

/// <summary>The gateway against a ledger that answers later, on another thread, as a networked one does: it waits for
/// the answer, releases a lease that comes after its client left, ends a session whose lease is revoked, and refuses
/// in the protocol's words when the ledger cannot decide.</summary>
public sealed class LedgerContractTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task ASessionWaitsForALateAdmissionThenRelays()
    {
        var ledger = new DeferredLedger();
        await using var backend = new SessionServer();
        await using var gateway = Start(ledger, TestGateway.Listener(backend.EndPoint));
        using var client = await TestClient.ConnectAsync(gateway.EndPoint);

        var pending = await ledger.Pending.ReadAsync().AsTask().WaitAsync(Wait);
        Assert.Equal("127.0.0.1", pending.Identity);
        Assert.Equal(0, backend.Accepted);

        await pending.AdmitAsync();

        Assert.True(await client.IsAdmittedAsync());
        await client.SendAsync("ping\n");
        Assert.Equal("ping\n", await client.ReadAsync(Wait));
        Assert.Equal(1, ledger.Total);
    }

    [Fact]
    public async Task AClientThatLeavesWhileTheLedgerDecidesHasTheLateLeaseReleasedAndNeverReachesTheBackend()
    {
        var ledger = new DeferredLedger();
        await using var backend = new SessionServer();
        await using var gateway = Start(ledger, TestGateway.Listener(backend.EndPoint));
        var client = await TestClient.ConnectAsync(gateway.EndPoint);
        var pending = await ledger.Pending.ReadAsync().AsTask().WaitAsync(Wait);

        client.Dispose();
        // The session has ended when its descriptors are given back.
        await Eventually.HoldsAsync(() => gateway.Gateway.Descriptors.Held == 0, Wait, "the session ended with its client");

        await pending.AdmitAsync();

        await Eventually.HoldsAsync(() => ledger.Released.Count == 1, Wait, "the late lease was released");
        Assert.Same(pending.Lease, ledger.Released.Single().Lease);
        Assert.Equal(CloseReason.ClientClosed, ledger.Released.Single().Reason);
        Assert.Equal(0, ledger.Total);
        Assert.Equal(0, backend.Accepted);
        Assert.Empty(gateway.Gateway.Registry.Sessions);
    }

    [Fact]
    public async Task ARevokedLeaseEndsTheSessionAsRevokedAndIsNotReleasedAgain()
    {
        var ledger = new DeferredLedger();
        await using var backend = new SessionServer();
        await using var gateway = Start(ledger, TestGateway.Listener(backend.EndPoint));
        using var client = await TestClient.ConnectAsync(gateway.EndPoint);
        var pending = await ledger.Pending.ReadAsync().AsTask().WaitAsync(Wait);
        await pending.AdmitAsync();
        Assert.True(await client.IsAdmittedAsync());

        Assert.True(ledger.Revoke(pending.Lease, "the lease expired in the store"));

        Assert.Null(await client.ReadAsync(Wait));
        var revoked = await gateway.Logs.WaitForAsync(UsherEvents.LeaseRevoked, Wait);
        Assert.Equal("the lease expired in the store", revoked["Why"]);
        var closed = await gateway.Logs.WaitForAsync(UsherEvents.SessionClosed, Wait);
        Assert.Equal(CloseReason.Revoked, closed["CloseReason"]);
        await backend.WaitUntilAsync(b => b.Open == 0, Wait);
        Assert.Empty(ledger.Released);
        Assert.Equal(0, ledger.Total);
        Assert.Empty(gateway.Gateway.Registry.Sessions);
    }

    [Fact]
    public async Task ALedgerThatCannotDecideRefusesInTheProtocolsWordsAtOnceWithoutWaitingInLine()
    {
        var ledger = new DeferredLedger();
        await using var backend = new SessionServer(greet: false);
        await using var gateway = Start(ledger, TestGateway.Listener(backend.EndPoint)
            .With(closingWait: TimeSpan.FromMinutes(5), identity: IdentityKind.HttpHeader, identityArgument: "X-User"));
        using var client = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await client.ConnectAsync(gateway.EndPoint);
        await client.SendAsync(Encoding.ASCII.GetBytes("GET / HTTP/1.1\r\nHost: test\r\nX-User: alice\r\n\r\n"));
        var pending = await ledger.Pending.ReadAsync().AsTask().WaitAsync(Wait);
        Assert.Equal("alice", pending.Identity);

        await pending.RefuseUnavailableAsync();

        // Well within ClosingWait (five minutes): the refusal never waits in line.
        using var timeout = new CancellationTokenSource(Wait);
        var answer = await ReadAllAsync(client, timeout.Token);
        Assert.StartsWith("HTTP/1.1 429 ", answer, StringComparison.Ordinal);
        var logged = await gateway.Logs.WaitForAsync(UsherEvents.LedgerUnavailable, Wait);
        Assert.Equal("alice", logged["Identity"]);
        Assert.Empty(gateway.Logs.WithId(UsherEvents.SessionLimitExceeded));
        Assert.Equal(0, ledger.WaitCalls);
        Assert.Equal(0, backend.Accepted);
        Assert.Equal(0, ledger.Total);
    }

    private static TestGateway Start(DeferredLedger ledger, ListenerSettings listener)
    {
        var logs = new LogCapture();
        var gateway = new UsherGateway(new GatewaySettings { Listeners = [listener], ShutdownGrace = TimeSpan.FromSeconds(1) },
            logs.CreateFactory(), ledger: ledger);
        gateway.Start();
        return TestGateway.Wrap(gateway, logs);
    }

    private static async Task<string> ReadAllAsync(Socket socket, CancellationToken cancellationToken)
    {
        var text = new StringBuilder();
        var buffer = new byte[4096];
        int read;
        while ((read = await socket.ReceiveAsync(buffer, cancellationToken)) > 0)
        {
            text.Append(Encoding.ASCII.GetString(buffer, 0, read));
        }

        return text.ToString();
    }
}
