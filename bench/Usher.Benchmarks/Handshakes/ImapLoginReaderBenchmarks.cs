using BenchmarkDotNet.Attributes;
using Usher.Protocols.Imap;

namespace Usher.Benchmarks.Handshakes;

/// <summary>Cost of reading curl's pre-login commands and its LOGIN or AUTHENTICATE PLAIN (the tag and the login are
/// the allocations), and a LOGIN with synchronizing literals.</summary>
[MemoryDiagnoser]
public class ImapLoginReaderBenchmarks
{
    private readonly ImapLoginReader reader = new();

    [Benchmark(Baseline = true)]
    public ImapStep Login() => reader.Read(HandshakeSamples.CurlImapLogin);

    [Benchmark]
    public ImapStep AuthenticatePlain() => reader.Read(HandshakeSamples.CurlImapAuthenticatePlain);

    [Benchmark]
    public ImapStep LiteralLogin() => reader.Read(HandshakeSamples.ImapLiteralLogin);

    [Benchmark]
    public ImapStep CapabilityOnly() => reader.Read(HandshakeSamples.CurlImapLogin.AsSpan(0, 17));
}
