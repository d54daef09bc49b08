using BenchmarkDotNet.Attributes;
using Usher.Protocols;
using Usher.Protocols.Postgres;

namespace Usher.Benchmarks.Handshakes;

/// <summary>Cost of reading psql's StartupMessage (user only, then user and database) and an SSLRequest.</summary>
[MemoryDiagnoser]
public class PostgresStartupReaderBenchmarks
{
    private static readonly byte[] SslRequest = [0, 0, 0, 8, 0x04, 0xD2, 0x16, 0x2F];

    private readonly PostgresStartupReader reader = new();

    [Benchmark(Baseline = true)]
    public HandshakeResult Startup() => reader.Read(HandshakeSamples.PsqlStartup);

    [Benchmark]
    public PostgresStartup StartupWithDatabase() => reader.ReadStartup(HandshakeSamples.PsqlStartup);

    [Benchmark]
    public HandshakeResult DeclineSslRequest() => reader.Read(SslRequest);
}
