using System.Diagnostics;
using System.Net;
using Usher.Testing;

namespace Usher.EndToEnd.Tests.Redis;

/// <summary>One client's try through a gateway node: whether the backend's greeting came (admitted) or the gateway
/// closed the connection (refused), and how long the answer took, measured at the client from the start of its
/// connect. An admitted client holds its session until disposed.</summary>
internal sealed class Attempt : IDisposable
{
    private Attempt(TestClient client, bool admitted, TimeSpan took)
    {
        Client = client;
        Admitted = admitted;
        Took = took;
    }

    /// <summary>The client (its session held while it is open).</summary>
    public TestClient Client { get; }

    /// <summary>Whether the gateway admitted the session (the backend greeted it).</summary>
    public bool Admitted { get; }

    /// <summary>From the start of the connect to the greeting or the close.</summary>
    public TimeSpan Took { get; }

    /// <summary>Connects to <paramref name="node"/> and waits for its answer.</summary>
    public static async Task<Attempt> ConnectAsync(IPEndPoint node)
    {
        var clock = Stopwatch.StartNew();
        var client = await TestClient.ConnectAsync(node);
        var answer = await client.ReadAsync(EndToEnd.Soon);
        return new Attempt(client, answer?.StartsWith("hello", StringComparison.Ordinal) == true, clock.Elapsed);
    }

    /// <summary>Starts <paramref name="count"/> tries through each node all together and waits for every answer.</summary>
    public static async Task<Attempt[]> RaceAsync(IEnumerable<IPEndPoint> nodes, int count)
    {
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var tries = nodes.SelectMany(n => Enumerable.Range(0, count).Select(async _ =>
        {
            await start.Task;
            return await ConnectAsync(n);
        })).ToList();
        start.SetResult();
        return await Task.WhenAll(tries);
    }

    /// <inheritdoc />
    public void Dispose() => Client.Dispose();
}
