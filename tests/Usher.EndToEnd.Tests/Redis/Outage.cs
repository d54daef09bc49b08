using System.Net;
using Usher.Testing;

namespace Usher.EndToEnd.Tests.Redis;

/// <summary>What the Redis outage tests share: two nodes, an identity limit of 3, a short LeaseTtl (3 s: a heartbeat
/// a second) and the default Timeout (250 ms), and how long a client may wait for its answer while Redis is gone:
/// Timeout, and a second for a busy machine.</summary>
internal static class Outage
{
    /// <summary>The identity limit.</summary>
    public const int Limit = 3;

    /// <summary>The ledger's Timeout.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromMilliseconds(250);

    /// <summary>The longest a connect may wait for its answer (admitted or refused) during an outage.</summary>
    public static readonly TimeSpan AnswerBudget = Timeout + TimeSpan.FromSeconds(1);

    /// <summary>Starts two nodes in front of <paramref name="backend"/> with <paramref name="failMode"/>.</summary>
    public static Task<GatewayCluster> StartAsync(string redis, SessionServer backend, string failMode) =>
        GatewayCluster.StartAsync(redis, 2, FieldListeners.Json(backend, Limit),
            ledger: $"\"FailMode\": \"{failMode}\", \"LeaseTtl\": \"00:00:03\", \"Timeout\": \"{Timeout:c}\"", usher: FieldListeners.Usher);

    /// <summary>Tries <paramref name="count"/> sessions through <paramref name="node"/>, one after the other, into
    /// <paramref name="held"/> (disposed by the test).</summary>
    /// <returns>The answers in order, one character each: <c>+</c> admitted, <c>-</c> refused.</returns>
    public static async Task<string> TryAsync(IPEndPoint node, int count, List<Attempt> held)
    {
        var answers = new char[count];
        for (var i = 0; i < count; i++)
        {
            var attempt = await Attempt.ConnectAsync(node);
            held.Add(attempt);
            answers[i] = attempt.Admitted ? '+' : '-';
        }

        return new string(answers);
    }

    /// <summary>Fails unless every attempt was answered within <see cref="AnswerBudget"/>.</summary>
    public static void AnsweredInTime(IEnumerable<Attempt> attempts)
    {
        foreach (var attempt in attempts)
        {
            Assert.True(attempt.Took <= AnswerBudget, $"a connect waited {attempt.Took} for its answer (Timeout {Timeout}, budget {AnswerBudget})");
        }
    }

    /// <summary>Waits until the Redis at <paramref name="server"/> holds exactly <paramref name="count"/> leases of
    /// <paramref name="cluster"/> and the backend as many sessions.</summary>
    public static async Task SettledAsync(IPEndPoint server, GatewayCluster cluster, SessionServer backend, int count)
    {
        await backend.WaitUntilAsync(s => s.Open == count, EndToEnd.Soon);
        await Eventually.HoldsAsync(async () => await LedgerLeases.CountAsync(server, cluster.KeyPrefix) == count, EndToEnd.Soon,
            $"Redis holding exactly the {count} live sessions of {cluster}");
    }
}
