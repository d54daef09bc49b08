using System.Net;
using Usher.Core.Tests.Protocols.Support;
using Usher.Protocols;
using Usher.Protocols.Proxy;

namespace Usher.Core.Tests.Protocols.Proxy;

public sealed class ProxyProtocolReaderTests
{
    [Fact]
    public void ReadsTheV1LineCurlSendsAndLeavesTheRequestAfterIt()
    {
        var input = Captured.CurlHttpWithProxyV1;
        var header = ProxyProtocolReader.Read(input);

        Assert.Equal(ProxyHeaderStatus.Proxied, header.Status);
        Assert.Equal(new IPEndPoint(IPAddress.Loopback, 34622), header.Source);
        Assert.Equal(new IPEndPoint(IPAddress.Loopback, 18080), header.Destination);
        Assert.Equal("PROXY TCP4 127.0.0.1 127.0.0.1 34622 18080\r\n".Length, header.Consumed);
        Assert.Equal(1, header.Version);
        Assert.StartsWith("GET ", System.Text.Encoding.ASCII.GetString(input, header.Consumed, 4), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("PROXY TCP6 2001:db8::1 2001:db8::2 51000 443\r\n", "2001:db8::1", 51000, "2001:db8::2", 443)]
    [InlineData("PROXY TCP6 ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff 65535 65535\r\n", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 65535, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 65535)]
    [InlineData("PROXY TCP6 ::ffff:10.0.0.7 ::1 1 0\r\n", "10.0.0.7", 1, "::1", 0)]
    [InlineData("PROXY TCP4 255.255.255.255 0.0.0.0 0 65535\r\n", "255.255.255.255", 0, "0.0.0.0", 65535)]
    public void ReadsV1LinesForBothFamilies(string line, string source, int sourcePort, string destination, int destinationPort)
    {
        var header = ProxyProtocolReader.Read(Bytes.Ascii(line));

        Assert.Equal(ProxyHeaderStatus.Proxied, header.Status);
        Assert.Equal(new IPEndPoint(IPAddress.Parse(source), sourcePort), header.Source);
        Assert.Equal(new IPEndPoint(IPAddress.Parse(destination), destinationPort), header.Destination);
        Assert.Equal(line.Length, header.Consumed);
    }

    [Theory]
    [InlineData("PROXY UNKNOWN\r\n")]
    [InlineData("PROXY UNKNOWN ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff 65535 65535\r\n")]
    public void ReadsV1UnknownAsUnspecifiedAndIgnoresTheRestOfItsLine(string line)
    {
        var header = ProxyProtocolReader.Read(Bytes.Ascii(line + "payload"));

        Assert.Equal(ProxyHeaderStatus.Unspecified, header.Status);
        Assert.Null(header.Source);
        Assert.Equal(line.Length, header.Consumed);
        Assert.True(line.Length <= ProxyProtocolReader.MaxV1Length);
    }

    [Theory]
    [InlineData("PROXY TCP4 010.0.0.1 10.0.0.2 1 2\r\n")]
    [InlineData("PROXY TCP4 10.0.0.256 10.0.0.2 1 2\r\n")]
    [InlineData("PROXY TCP4 10.0.0 10.0.0.2 1 2\r\n")]
    [InlineData("PROXY TCP4 10.0.0.1.5 10.0.0.2 1 2\r\n")]
    [InlineData("PROXY TCP4 10.0.0.1 10.0.0.2 65536 2\r\n")]
    [InlineData("PROXY TCP4 10.0.0.1 10.0.0.2 01 2\r\n")]
    [InlineData("PROXY TCP4 10.0.0.1  10.0.0.2 1 2\r\n")]
    [InlineData("PROXY TCP4 10.0.0.1 10.0.0.2 1 2 \r\n")]
    [InlineData("PROXY TCP4 10.0.0.1 10.0.0.2 1\r\n")]
    [InlineData("PROXY TCP4 ::1 ::1 1 2\r\n")]
    [InlineData("PROXY TCP6 10.0.0.1 10.0.0.2 1 2\r\n")]
    [InlineData("PROXY TCP6 fe80::1%eth0 ::1 1 2\r\n")]
    [InlineData("PROXY TCP6 [::1] ::1 1 2\r\n")]
    [InlineData("PROXY UDP4 10.0.0.1 10.0.0.2 1 2\r\n")]
    [InlineData("PROXY TCP4 10.0.0.1 10.0.0.2 1 2\n")]
    [InlineData("PROXY TCP4 10.0.0.1 10.0.0.2 1\r2\r\n")]
    [InlineData("proxy TCP4 10.0.0.1 10.0.0.2 1 2\r\n")]
    [InlineData("PROXY\r\n")]
    public void RefusesV1LinesThatDoNotMatchTheSpecExactly(string line)
    {
        var header = ProxyProtocolReader.Read(Bytes.Ascii(line));

        Assert.Equal(ProxyHeaderStatus.Invalid, header.Status);
        Assert.NotNull(header.Problem);
    }

    [Fact]
    public void RefusesAV1LineWithoutCrlfInItsFirst107Bytes()
    {
        var header = ProxyProtocolReader.Read(Bytes.Ascii("PROXY UNKNOWN " + new string('x', 100)));

        Assert.Equal(ProxyHeaderStatus.Invalid, header.Status);
        Assert.Equal("PROXY v1 line longer than 107 bytes", header.Problem);
    }

    [Fact]
    public void ReadsTheV2HeaderHaproxySends()
    {
        var header = ProxyProtocolReader.Read(Bytes.Concat(ProxyV2Headers.HaproxyTcp4, Bytes.Ascii("GET / HTTP/1.1\r\n")));

        Assert.Equal(ProxyHeaderStatus.Proxied, header.Status);
        Assert.Equal(new IPEndPoint(IPAddress.Parse("172.19.0.1"), 42578), header.Source);
        Assert.Equal(new IPEndPoint(IPAddress.Parse("172.19.0.3"), 80), header.Destination);
        Assert.Equal(28, header.Consumed);
        Assert.Equal(2, header.Version);
    }

    [Fact]
    public void ReadsAV2Tcp6HeaderAndGivesIpv4MappedSourcesAsIpv4()
    {
        var native = ProxyV2Headers.Build(0x21, 0x21, ProxyV2Headers.Tcp6Block("2001:db8::7", 40000, "2001:db8::1", 993));
        var mapped = ProxyV2Headers.Build(0x21, 0x21, ProxyV2Headers.Tcp6Block("::ffff:10.0.0.7", 40000, "::1", 993));

        Assert.Equal(new IPEndPoint(IPAddress.Parse("2001:db8::7"), 40000), ProxyProtocolReader.Read(native).Source);
        Assert.Equal(52, ProxyProtocolReader.Read(native).Consumed);
        Assert.Equal(new IPEndPoint(IPAddress.Parse("10.0.0.7"), 40000), ProxyProtocolReader.Read(mapped).Source);
    }

    [Fact]
    public void ReadsAV2LocalCommandAsLocalAndSkipsWhateverBlockItHas()
    {
        var empty = ProxyV2Headers.Build(0x20, 0x00, []);
        var withBlock = ProxyV2Headers.Build(0x20, 0x11, ProxyV2Headers.Tcp4Block());

        Assert.Equal(new ProxyHeader(ProxyHeaderStatus.Local, 16, Version: 2), ProxyProtocolReader.Read(empty));
        Assert.Equal(new ProxyHeader(ProxyHeaderStatus.Local, 28, Version: 2), ProxyProtocolReader.Read(withBlock));
    }

    [Theory]
    [InlineData(0x00, 0)]
    [InlineData(0x12, 12)]
    [InlineData(0x22, 36)]
    [InlineData(0x31, 216)]
    [InlineData(0x32, 216)]
    [InlineData(0x10, 12)]
    public void ReadsV2FamiliesATcpSessionCannotBeCountedByAsUnspecified(byte family, int blockLength)
    {
        var header = ProxyProtocolReader.Read(ProxyV2Headers.Build(0x21, family, new byte[blockLength]));

        Assert.Equal(ProxyHeaderStatus.Unspecified, header.Status);
        Assert.Equal(16 + blockLength, header.Consumed);
    }

    [Fact]
    public void SkipsV2TlvsAndConsumesTheWholeHeader()
    {
        var block = Bytes.Concat(
            ProxyV2Headers.Tcp4Block(),
            ProxyV2Headers.Tlv(0x01, Bytes.Ascii("h2")),
            ProxyV2Headers.Tlv(0x02, Bytes.Ascii("db.example.net")),
            ProxyV2Headers.Tlv(0x04, []),
            ProxyV2Headers.Tlv(0x20, new byte[40]));
        var input = ProxyV2Headers.Build(0x21, 0x11, block);

        var header = ProxyProtocolReader.Read(input);

        Assert.Equal(ProxyHeaderStatus.Proxied, header.Status);
        Assert.Equal(input.Length, header.Consumed);
        Assert.Equal(new IPEndPoint(IPAddress.Parse("192.0.2.10"), 51000), header.Source);
    }

    [Fact]
    public void AcceptsAMatchingCrc32cAndRefusesOneThatDoesNotMatch()
    {
        var good = ProxyV2Headers.WithCrc32C(ProxyV2Headers.Tcp4Block());
        var bad = (byte[])good.Clone();
        bad[^1] ^= 1;

        Assert.Equal(ProxyHeaderStatus.Proxied, ProxyProtocolReader.Read(good).Status);
        Assert.Equal("PROXY v2 CRC32C mismatch", ProxyProtocolReader.Read(bad).Problem);
    }

    [Fact]
    public void ComputesTheStandardCrc32cCheckValue()
    {
        // RFC 3720 B.4 / the usual check value: CRC32C("123456789") = 0xE3069283.
        Assert.Equal(0xE3069283u, ProxyV2Headers.ReferenceCrc32C(Bytes.Ascii("123456789")));
    }

    [Theory]
    [InlineData("0103")]
    [InlineData("01")]
    [InlineData("010005AABB")]
    [InlineData("030003AABBCC")]
    public void RefusesAV2TlvThatDoesNotFitTheHeader(string tlvs)
    {
        var header = ProxyProtocolReader.Read(ProxyV2Headers.Build(0x21, 0x11, Bytes.Concat(ProxyV2Headers.Tcp4Block(), Convert.FromHexString(tlvs))));

        Assert.Equal(ProxyHeaderStatus.Invalid, header.Status);
    }

    [Theory]
    [InlineData(0x11, 0x11, "PROXY v2 version is not 2")]
    [InlineData(0x22, 0x11, "unknown PROXY v2 command")]
    [InlineData(0x21, 0x41, "unknown PROXY v2 address family or transport")]
    [InlineData(0x21, 0x13, "unknown PROXY v2 address family or transport")]
    public void RefusesV2VersionsCommandsAndFamiliesTheSpecDoesNotDefine(byte verCmd, byte family, string problem)
    {
        Assert.Equal(problem, ProxyProtocolReader.Read(ProxyV2Headers.Build(verCmd, family, ProxyV2Headers.Tcp4Block())).Problem);
    }

    [Fact]
    public void RefusesAV2AddressBlockShorterThanItsFamilyNeeds()
    {
        var header = ProxyProtocolReader.Read(ProxyV2Headers.Build(0x21, 0x21, ProxyV2Headers.Tcp4Block()));

        Assert.Equal("PROXY v2 address block shorter than its family needs", header.Problem);
    }

    [Fact]
    public void RefusesAV2HeaderAnnouncingMoreThan16KBBeforeItArrives()
    {
        var start = Bytes.Concat(ProxyV2Headers.Signature, [0x21, 0x11, 0xFF, 0xFF]);

        Assert.Equal(HandshakeLimits.TooLarge, ProxyProtocolReader.Read(start).Problem);
    }

    [Theory]
    [InlineData("GET / HTTP/1.1\r\n")]
    [InlineData("\u0016\u0003\u0001")]
    [InlineData("\r\n\r\n\u0000\r\nQUIX")]
    [InlineData("PROXZ")]
    public void RefusesAnythingElseAtOnce(string start)
    {
        Assert.Equal(ProxyHeaderStatus.Invalid, ProxyProtocolReader.Read(Bytes.Ascii(start)).Status);
    }

    [Fact]
    public void NeedsMoreAtEverySplitPointOfAValidHeaderThenReadsTheSame()
    {
        byte[][] headers =
        [
            Bytes.Ascii("PROXY TCP6 2001:db8::1 2001:db8::2 51000 443\r\n"),
            Bytes.Ascii("PROXY UNKNOWN\r\n"),
            ProxyV2Headers.HaproxyTcp4,
            ProxyV2Headers.WithCrc32C(ProxyV2Headers.Tcp4Block()),
            ProxyV2Headers.Build(0x20, 0x00, []),
        ];
        foreach (var header in headers)
        {
            for (var i = 0; i < header.Length; i++)
            {
                Assert.Equal(ProxyHeader.NeedMore, ProxyProtocolReader.Read(header.AsSpan(0, i)));
            }

            var whole = ProxyProtocolReader.Read(header);
            Assert.NotEqual(ProxyHeaderStatus.Invalid, whole.Status);
            Assert.Equal(header.Length, whole.Consumed);
            Assert.Equal(whole, ProxyProtocolReader.Read(Bytes.Concat(header, Bytes.Ascii("\r\n\r\nmore bytes of the client"))));
        }
    }
}
