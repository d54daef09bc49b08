using System.Net.Sockets;
using Microsoft.Extensions.Logging.Abstractions;
using Usher.Configuration;
using Usher.Gateway.Engine;
using Usher.Testing;
using Xunit.Abstractions;

namespace Usher.Gateway.Tests.Faults;

/// <summary>What a plain session (accept, admission, backend connect, relay, close) allocates on its reactor's thread,
/// where all of its life runs: its own objects (the session, its record, the client's address and identity, the
/// registry's entry), about 800 bytes; no buffer, task or closure. A change that adds one per session fails here.</summary>
[Collection(LoadCollection.Name)]
public sealed class AllocationPerSessionTests(ITestOutputHelper output)
{
    private const int Sessions = 300;

    [Fact]
    public async Task A_plain_session_allocates_less_than_a_kilobyte_on_its_reactor_no_buffer_task_or_closure()
    {
        await using var backend = new SessionServer();
        var settings = new GatewaySettings { Workers = 1, Listeners = [TestGateway.Listener(backend.EndPoint)] };
        await using var gateway = new UsherGateway(settings, NullLoggerFactory.Instance);
        gateway.Start();
        var endpoint = gateway.Listeners[0].LocalEndPoint;
        var reactor = Assert.Single(gateway.Reactors);

        await RunSessionsAsync(endpoint, 50, gateway);
        var before = await AllocatedOnAsync(reactor);
        await RunSessionsAsync(endpoint, Sessions, gateway);
        var after = await AllocatedOnAsync(reactor);

        var perSession = (after - before) / (double)Sessions;
        output.WriteLine($"{perSession:0} bytes allocated on the reactor per session");
        Assert.InRange(perSession, 0, 1024);
    }

    private static async Task RunSessionsAsync(System.Net.IPEndPoint endpoint, int count, UsherGateway gateway)
    {
        var buffer = new byte[64];
        for (var i = 0; i < count; i++)
        {
            using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            await client.ConnectAsync(endpoint);
            Assert.True(await client.ReceiveAsync(buffer) > 0);
        }

        await Eventually.HoldsAsync(() => gateway.Registry.Count == 0 && gateway.Ledger.Total == 0, TimeSpan.FromSeconds(30),
            "every session ended");
    }

    private static Task<long> AllocatedOnAsync(Reactor reactor)
    {
        var read = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        reactor.Post(() => read.SetResult(GC.GetAllocatedBytesForCurrentThread()));
        return read.Task;
    }
}
