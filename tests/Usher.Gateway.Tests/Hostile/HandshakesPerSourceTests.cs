using System.Diagnostics.Metrics;
using System.Net;
using Usher.Configuration;
using Usher.Diagnostics;
using Usher.Gateway.Tests.Faults;
using Usher.Identity;
using Usher.Testing;

namespace Usher.Gateway.Tests.Hostile;

/// <summary>MaxHandshakesPerSource: one address holds at most that many connections still in their handshake; more
/// are closed at accept (9660, folded; <c>usher.connections.shed{reason=source}</c>), while other addresses are served,
/// and the address gets its places back as its handshakes end. Every descriptor taken goes back to the budget.</summary>
[Collection(LoadCollection.Name)]
public sealed class HandshakesPerSourceTests
{
    private const int Max = 4;
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task One_address_holds_at_most_MaxHandshakesPerSource_silent_connections_and_others_are_served()
    {
        await using var backend = new SessionServer();
        var l = TestGateway.Listener(backend.EndPoint);
        var listener = new ListenerSettings
        {
            Name = l.Name,
            Listen = l.Listen,
            BackendHost = l.BackendHost,
            BackendPort = l.BackendPort,
            UserTimeout = l.UserTimeout,
            Identity = IdentityKind.HttpHeader,
            IdentityArgument = "X-User",
            HandshakeTimeout = TimeSpan.FromMinutes(1),
            MaxHandshakesPerSource = Max,
        };
        await using var gateway = TestGateway.Start(listener);
        var state = gateway.Gateway.Listeners[0].Context.State;
        var attacker = IPAddress.Parse("127.0.0.2");
        var shed = new List<string>();
        using var meters = ShedCounter(gateway, shed);

        var silent = new List<TestClient>();
        try
        {
            for (var i = 0; i < Max; i++)
            {
                silent.Add(await TestClient.ConnectAsync(gateway.EndPoint, "127.0.0.2"));
            }

            await Eventually.HoldsAsync(() => state.Handshakes.Of(attacker) == Max, Wait, $"{Max} handshakes counted");

            // One more from the same address: closed at once, without a byte.
            using (var over = await TestClient.ConnectAsync(gateway.EndPoint, "127.0.0.2"))
            {
                Assert.Null(await over.ReadAsync(Wait));
            }

            var logged = await gateway.Logs.WaitForAsync(UsherEvents.ConnectionsShed, Wait);
            Assert.Contains("MaxHandshakesPerSource", (string)logged["Why"]!, StringComparison.Ordinal);
            lock (shed)
            {
                Assert.Equal(["source"], shed);
            }

            // Another address is served meanwhile.
            using (var client = await TestClient.ConnectAsync(gateway.EndPoint, "127.0.0.3"))
            {
                await client.SendAsync("GET / HTTP/1.1\r\nHost: app\r\nX-User: alice\r\n\r\n");
                Assert.True(await client.IsAdmittedAsync());
            }

            // A handshake that ends gives its place back.
            silent[0].Dispose();
            await Eventually.HoldsAsync(() => state.Handshakes.Of(attacker) == Max - 1, Wait, "the closed handshake given back");
            silent[0] = await TestClient.ConnectAsync(gateway.EndPoint, "127.0.0.2");
            await Eventually.HoldsAsync(() => state.Handshakes.Of(attacker) == Max, Wait, "a new handshake counted");
        }
        finally
        {
            silent.ForEach(c => c.Dispose());
        }

        await Eventually.HoldsAsync(() => state.Handshakes.Sources == 0 && gateway.Gateway.Descriptors.Held == 0, Wait,
            "every handshake and descriptor given back");
        Assert.Empty(gateway.Logs.WithId(UsherEvents.AcceptFailed));
    }

    private static MeterListener ShedCounter(TestGateway gateway, List<string> reasons)
    {
        var meters = new MeterListener
        {
            InstrumentPublished = (instrument, listener) =>
            {
                if (ReferenceEquals(instrument.Meter, gateway.Gateway.Metrics.Meter) && instrument.Name == "usher.connections.shed")
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            },
        };
        meters.SetMeasurementEventCallback<long>((_, _, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key == "reason")
                {
                    lock (reasons)
                    {
                        reasons.Add((string)tag.Value!);
                    }
                }
            }
        });
        meters.Start();
        return meters;
    }
}
