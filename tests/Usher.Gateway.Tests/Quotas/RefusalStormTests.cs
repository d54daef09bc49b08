using System.Diagnostics.Metrics;
using Microsoft.Extensions.Time.Testing;
using Usher.Configuration;
using Usher.Diagnostics;
using Usher.Gateway.Diagnostics;
using Usher.Testing;

namespace Usher.Gateway.Tests.Quotas;

/// <summary>A storm of refusals of one address: the log says it once (and once more, folded, when the interval
/// ends) while the metric counts every refusal.</summary>
public sealed class RefusalStormTests
{
    private const int Storm = 200;
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task TwoHundredRefusalsLogOneLineAtOnceAndCountTwoHundredInMetrics()
    {
        var time = new FakeTimeProvider();
        await using var backend = new SessionServer();
        var settings = new GatewaySettings
        {
            Listeners = [TestGateway.Listener(backend.EndPoint).With(maxSessionsPerIdentity: 1, closingWait: TimeSpan.Zero)],
            RefusalLogInterval = TimeSpan.FromSeconds(10),
        };
        await using var gateway = TestGateway.Start(settings, time);

        long refused = 0;
        var scopes = new HashSet<string>();
        using var meters = new MeterListener();
        meters.InstrumentPublished = (instrument, listener) =>
        {
            if (ReferenceEquals(instrument.Meter, gateway.Gateway.Metrics.Meter) && instrument.Name == "usher.sessions.refused")
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        meters.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            Interlocked.Add(ref refused, value);
            foreach (var tag in tags)
            {
                if (tag.Key == "limit")
                {
                    lock (scopes)
                    {
                        scopes.Add((string)tag.Value!);
                    }
                }
            }
        });
        meters.Start();
        Assert.Equal(GatewayMetrics.MeterName, gateway.Gateway.Metrics.Meter.Name);

        using var holder = await TestClient.ConnectAsync(gateway.EndPoint, "127.0.0.1");
        Assert.True(await holder.IsAdmittedAsync());

        for (var i = 0; i < Storm; i++)
        {
            using var c = await TestClient.ConnectAsync(gateway.EndPoint, "127.0.0.1");
            Assert.Null(await c.ReadAsync(Wait));
            if (i == 0)
            {
                // Logged at once, before the refused client is closed.
                Assert.Single(gateway.Logs.WithId(UsherEvents.SessionLimitExceeded));
            }
        }

        Assert.Equal(Storm, Interlocked.Read(ref refused));
        Assert.Equal(["identity"], scopes);
        var line = Assert.Single(gateway.Logs.WithId(UsherEvents.SessionLimitExceeded));
        Assert.Equal("127.0.0.1", line["Identity"]);
        Assert.Equal(1, backend.Accepted);

        // The heartbeat runs on the gateway's clock: when the interval ends, the rest are logged as one line.
        time.Advance(settings.RefusalLogInterval);
        var folded = await gateway.Logs.WaitForAsync(UsherEvents.SessionLimitExceeded, Wait, r => r["Refused"] is not null);
        Assert.Equal(Storm - 1, folded["Refused"]);
        Assert.Equal(2, gateway.Logs.WithId(UsherEvents.SessionLimitExceeded).Count);
    }
}
