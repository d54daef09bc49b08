using System.Diagnostics.Metrics;
using Usher.Configuration;
using Usher.Diagnostics;
using Usher.Testing;

namespace Usher.Gateway.Tests.Hostile;

public sealed class ConnectRateTests
{
    [Fact]
    public async Task AnAddressOpeningConnectionsFasterThanItsRateIsRefusedAndOthersAreNot()
    {
        await using var backend = new SessionServer();
        var plain = TestGateway.Listener(backend.EndPoint);
        var listener = new ListenerSettings
        {
            Name = plain.Name,
            Listen = plain.Listen,
            BackendHost = plain.BackendHost,
            BackendPort = plain.BackendPort,
            MaxSessionsPerIdentity = 1000,
            ConnectRate = new ConnectRateSettings(5, TimeSpan.FromSeconds(2)),
        };
        await using var gateway = TestGateway.Start(listener);
        using var metrics = new MeterListener();
        long limited = 0;
        metrics.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter == gateway.Gateway.Metrics.Meter && instrument.Name == "usher.connections.rate_limited")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        metrics.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref limited, value));
        metrics.Start();

        var admitted = 0;
        var clients = new List<TestClient>();
        for (var i = 0; i < 20; i++)
        {
            var client = await TestClient.ConnectAsync(gateway.EndPoint, "127.0.0.41");
            clients.Add(client);
            if (await client.IsAdmittedAsync())
            {
                admitted++;
            }
        }

        Assert.Equal(5, admitted);
        Assert.Equal(15, Interlocked.Read(ref limited));
        var logged = await gateway.Logs.WaitForAsync(UsherEvents.ConnectRateExceeded, TimeSpan.FromSeconds(5));
        Assert.Equal("127.0.0.41", logged["Address"]);
        Assert.Single(gateway.Logs.WithId(UsherEvents.ConnectRateExceeded));

        using (var other = await TestClient.ConnectAsync(gateway.EndPoint, "127.0.0.42"))
        {
            Assert.True(await other.IsAdmittedAsync(), "another address has its own bucket");
        }

        // The bucket refills: one token per 400 ms.
        await Task.Delay(TimeSpan.FromMilliseconds(900));
        using var later = await TestClient.ConnectAsync(gateway.EndPoint, "127.0.0.41");
        Assert.True(await later.IsAdmittedAsync(), "the bucket refills over the window");
        clients.ForEach(c => c.Dispose());
    }
}
