using BenchmarkDotNet.Attributes;
using Usher.Protocols;
using Usher.Protocols.Mqtt;

namespace Usher.Benchmarks.Handshakes;

/// <summary>Cost of reading mosquitto_pub's CONNECT packets (3.1.1; 5 with properties and a will).</summary>
[MemoryDiagnoser]
public class MqttConnectReaderBenchmarks
{
    private readonly MqttConnectReader byClientId = new(MqttIdentity.ClientId);
    private readonly MqttConnectReader byUsername = new(MqttIdentity.Username);

    [Benchmark(Baseline = true)]
    public HandshakeResult Connect311ByClientId() => byClientId.Read(HandshakeSamples.MosquittoConnect311);

    [Benchmark]
    public HandshakeResult Connect5ByUsername() => byUsername.Read(HandshakeSamples.MosquittoConnect5);

    [Benchmark]
    public MqttConnect Connect5WithLevel() => byUsername.ReadConnect(HandshakeSamples.MosquittoConnect5);
}
