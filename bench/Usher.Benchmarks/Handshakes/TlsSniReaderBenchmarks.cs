using BenchmarkDotNet.Attributes;
using Usher.Protocols;
using Usher.Protocols.Tls;

namespace Usher.Benchmarks.Handshakes;

/// <summary>Cost of reading the SNI of a real ClientHello, whole and split over 100-byte records.</summary>
[MemoryDiagnoser]
public class TlsSniReaderBenchmarks
{
    private readonly TlsSniReader reader = TlsSniReader.Instance;

    [Benchmark(Baseline = true)]
    public HandshakeResult CurlClientHello() => reader.Read(HandshakeSamples.CurlClientHello);

    [Benchmark]
    public HandshakeResult FragmentedClientHello() => reader.Read(HandshakeSamples.FragmentedClientHello);

    [Benchmark]
    public HandshakeResult HalfAClientHello() => reader.Read(HandshakeSamples.CurlClientHello.AsSpan(0, 256));
}
