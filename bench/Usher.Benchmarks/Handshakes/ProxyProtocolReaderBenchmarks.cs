using System.Net;
using BenchmarkDotNet.Attributes;
using Usher.Protocols.Proxy;

namespace Usher.Benchmarks.Handshakes;

/// <summary>Cost of reading a PROXY header (the endpoints are the only allocations) and of writing one.</summary>
[MemoryDiagnoser]
public class ProxyProtocolReaderBenchmarks
{
    private readonly byte[] v1Tcp4 = HandshakeSamples.ProxyV1Tcp4;
    private readonly byte[] v1Tcp6 = HandshakeSamples.ProxyV1Tcp6;
    private readonly byte[] v2Tcp4 = HandshakeSamples.ProxyV2Tcp4;
    private readonly byte[] v2Tcp6WithTlvs = HandshakeSamples.ProxyV2Tcp6WithTlvs;
    private readonly byte[] buffer = new byte[ProxyHeaderWriter.MaxV2Length];
    private readonly IPEndPoint source = new(IPAddress.Parse("192.0.2.10"), 51000);
    private readonly IPEndPoint destination = new(IPAddress.Parse("198.51.100.1"), 5432);

    [Benchmark]
    public ProxyHeader V1Tcp4() => ProxyProtocolReader.Read(v1Tcp4);

    [Benchmark]
    public ProxyHeader V1Tcp6() => ProxyProtocolReader.Read(v1Tcp6);

    [Benchmark(Baseline = true)]
    public ProxyHeader V2Tcp4() => ProxyProtocolReader.Read(v2Tcp4);

    [Benchmark]
    public ProxyHeader V2Tcp6WithTlvs() => ProxyProtocolReader.Read(v2Tcp6WithTlvs);

    [Benchmark]
    public int WriteV2Tcp4() => ProxyHeaderWriter.WriteV2(buffer, source, destination);
}
