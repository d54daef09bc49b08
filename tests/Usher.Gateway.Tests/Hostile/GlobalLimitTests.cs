using System.Diagnostics.Metrics;
using Usher.Configuration;
using Usher.Diagnostics;
using Usher.Gateway.Tests.Faults;
using Usher.Testing;

namespace Usher.Gateway.Tests.Hostile;

/// <summary>A flood of connections against the process-wide MaxSessions: refused early (Scope "global", before any
/// descriptor runs out: no 9644), and admitted again as soon as sessions end.</summary>
[Collection(LoadCollection.Name)]
public sealed class GlobalLimitTests
{
    private const int MaxSessions = 300;
    private const int Flood = 400;
    private const int Released = 150;
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Connections_past_the_global_limit_are_refused_with_scope_global_and_admitted_again_once_sessions_end()
    {
        await using var backend = new SessionServer();
        var settings = new GatewaySettings
        {
            MaxSessions = MaxSessions,
            ShutdownGrace = TimeSpan.Zero,
            Listeners = [TestGateway.Listener(backend.EndPoint).With(maxSessionsPerIdentity: 10 * Flood)],
        };
        await using var gateway = TestGateway.Start(settings);
        var refusedByScope = new Dictionary<string, long>();
        using var meters = RefusalCounter(gateway, refusedByScope);

        var admitted = new List<TestClient>();
        try
        {
            var refused = 0;
            for (var i = 0; i < Flood; i++)
            {
                var client = await TestClient.ConnectAsync(gateway.EndPoint);
                if (await client.IsAdmittedAsync())
                {
                    admitted.Add(client);
                }
                else
                {
                    refused++;
                    client.Dispose();
                }
            }

            Assert.Equal(MaxSessions, admitted.Count);
            Assert.Equal(Flood - MaxSessions, refused);
            Assert.Equal(MaxSessions, gateway.Gateway.Ledger.Total);
            var first = await gateway.Logs.WaitForAsync(UsherEvents.SessionLimitExceeded, Wait);
            Assert.Equal("global", first["Scope"]);
            Assert.Equal(MaxSessions, first["Limit"]);
            Assert.Empty(gateway.Logs.WithId(UsherEvents.AcceptFailed));
            lock (refusedByScope)
            {
                Assert.Equal(new Dictionary<string, long> { ["global"] = Flood - MaxSessions }, refusedByScope);
            }

            // Sessions end: as many new ones are admitted, and the next one past the limit is refused again.
            foreach (var client in admitted.Take(Released))
            {
                client.Dispose();
            }

            admitted.RemoveRange(0, Released);
            await Eventually.HoldsAsync(() => gateway.Gateway.Ledger.Total == MaxSessions - Released, Wait, "the released sessions freed");
            for (var i = 0; i < Released; i++)
            {
                var client = await TestClient.ConnectAsync(gateway.EndPoint);
                admitted.Add(client);
                Assert.True(await client.IsAdmittedAsync(), $"session {i} after the release was not admitted");
            }

            using var over = await TestClient.ConnectAsync(gateway.EndPoint);
            Assert.Null(await over.ReadAsync(Wait));
            Assert.Equal(MaxSessions, gateway.Gateway.Ledger.Total);
            Assert.Empty(gateway.Logs.WithId(UsherEvents.AcceptFailed));
        }
        finally
        {
            admitted.ForEach(c => c.Dispose());
        }
    }

    [Fact]
    public void The_default_global_limit_leaves_every_session_its_two_descriptors_beside_those_already_open()
    {
        var files = ProcessLimits.OpenFilesLimit();
        Assert.NotNull(files);
        var open = ProcessLimits.OpenDescriptors();
        Assert.NotNull(open);
        var sessions = ProcessLimits.DefaultMaxSessions();
        Assert.True(open + (2L * sessions) + 64 <= files,
            $"{sessions} sessions need {2L * sessions} descriptors beside the {open} open now; the limit is {files}");
    }

    private static MeterListener RefusalCounter(TestGateway gateway, Dictionary<string, long> byScope)
    {
        var meters = new MeterListener
        {
            InstrumentPublished = (instrument, listener) =>
            {
                if (ReferenceEquals(instrument.Meter, gateway.Gateway.Metrics.Meter) && instrument.Name == "usher.sessions.refused")
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            },
        };
        meters.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key == "limit")
                {
                    lock (byScope)
                    {
                        byScope[(string)tag.Value!] = byScope.GetValueOrDefault((string)tag.Value!) + value;
                    }
                }
            }
        });
        meters.Start();
        return meters;
    }
}
