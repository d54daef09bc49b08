using Usher.Core.Tests.Protocols.Support;
using Usher.Protocols;
using Usher.Protocols.Proxy;

namespace Usher.Core.Tests.Protocols.Proxy;

public sealed class ProxyProtocolReaderFuzzTests
{
    private static readonly byte[][] Seeds =
    [
        Bytes.Ascii("PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\nGET / HTTP/1.1\r\n\r\n"),
        Bytes.Ascii("PROXY TCP6 2001:db8::1 2001:db8::2 51000 443\r\n"),
        Bytes.Ascii("PROXY UNKNOWN\r\n"),
        ProxyV2Headers.HaproxyTcp4,
        ProxyV2Headers.WithCrc32C(ProxyV2Headers.Tcp4Block()),
        ProxyV2Headers.Build(0x21, 0x21, Bytes.Concat(ProxyV2Headers.Tcp6Block("2001:db8::7", 1, "::1", 2), ProxyV2Headers.Tlv(0x02, Bytes.Ascii("example.com")))),
        ProxyV2Headers.Build(0x20, 0x00, []),
    ];

    [Fact]
    public void Survives100000MutatedAndRandomInputsWithConsistentAnswers()
    {
        Fuzz.Run(seed: 1001, Seeds, input =>
        {
            var header = ProxyProtocolReader.Read(input);
            ResultChecks.Check(header.Consumed >= 0 && header.Consumed <= input.Length, "Consumed within the input", header);
            ResultChecks.Check(Enum.IsDefined(header.Status), "a defined status", header);
            ResultChecks.Check(header.Status == ProxyHeaderStatus.Invalid == (header.Problem is not null), "a problem exactly when invalid", header);
            ResultChecks.Check(header.Status == ProxyHeaderStatus.Proxied == (header.Source is not null && header.Destination is not null), "addresses exactly when proxied", header);
            ResultChecks.Check(header.Status is ProxyHeaderStatus.NeedMore or ProxyHeaderStatus.Invalid == (header.Consumed == 0), "a header length exactly when read", header);
            ResultChecks.Check(header.Status != ProxyHeaderStatus.NeedMore || input.Length < HandshakeLimits.MaxHandshakeBytes, "never NeedMore at 16 KB", header);
            ResultChecks.Check(header.Version != 1 || header.Consumed <= ProxyProtocolReader.MaxV1Length, "a v1 line of at most 107 bytes", header);
        });
    }
}
