using BenchmarkDotNet.Attributes;
using Usher.Protocols;
using Usher.Protocols.Http;

namespace Usher.Benchmarks.Handshakes;

/// <summary>Cost of reading curl's request head: a named header, and the user of Basic credentials.</summary>
[MemoryDiagnoser]
public class HttpRequestReaderBenchmarks
{
    private readonly HttpRequestReader byTenant = new("X-Tenant");
    private readonly HttpRequestReader byBasicUser = new("Authorization");

    [Benchmark(Baseline = true)]
    public HandshakeResult Header() => byTenant.Read(HandshakeSamples.CurlHttp);

    [Benchmark]
    public HandshakeResult BasicUser() => byBasicUser.Read(HandshakeSamples.CurlHttp);
}
