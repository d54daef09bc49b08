using Usher.Testing;

namespace Usher.EndToEnd.Tests.Mqtt;

/// <summary>mosquitto_sub and mosquitto_pub through a gateway.</summary>
internal static class MosquittoClients
{
    /// <summary>mosquitto_sub through the gateway, printing "topic payload" per message; returns once the broker
    /// acknowledged the subscription (seen in its debug output, line-buffered by stdbuf: into a pipe, mosquitto_sub
    /// would hold its debug lines in a full buffer).</summary>
    public static async Task<RunningProcess> SubscribeAsync(TestGateway gateway, MosquittoBroker broker, string clientId, string version, string topic, params string[] extra)
    {
        var subscriber = RunningProcess.Start(Tools.Find("stdbuf"),
            ["-oL", Tools.Find("mosquitto_sub"), "-d", "-h", gateway.EndPoint.Address.ToString(), "-p", gateway.EndPoint.Port.ToString(), "-i", clientId, "-V", version, "-t", topic, "-v", .. extra]);
        try
        {
            await subscriber.WaitForLineAsync(l => l.Contains("received SUBACK", StringComparison.Ordinal), EndToEnd.Soon);
            return subscriber;
        }
        catch (Exception e) when (e is TimeoutException or InvalidOperationException)
        {
            var log = broker.Log();
            await subscriber.DisposeAsync();
            throw new InvalidOperationException($"mosquitto_sub did not subscribe.{Environment.NewLine}{e.Message}{Environment.NewLine}{gateway.Logs.Dump()}{Environment.NewLine}{log}", e);
        }
    }

    /// <summary>mosquitto_pub through the gateway, to its end.</summary>
    public static Task<ProcessResult> PublishAsync(TestGateway gateway, params string[] arguments) =>
        RunningProcess.RunAsync(Tools.Find("mosquitto_pub"),
            ["-h", gateway.EndPoint.Address.ToString(), "-p", gateway.EndPoint.Port.ToString(), .. arguments], TimeSpan.FromSeconds(30));
}
