using System.Net;
using Usher.Protocols.Proxy;

namespace Usher.Core.Tests.Protocols.Proxy;

public sealed class ProxyHeaderWriterTests
{
    [Fact]
    public void WritesTheSameTcp4HeaderAsHaproxy()
    {
        var buffer = new byte[ProxyHeaderWriter.MaxV2Length];

        var n = ProxyHeaderWriter.WriteV2(buffer, new IPEndPoint(IPAddress.Parse("172.19.0.1"), 42578), new IPEndPoint(IPAddress.Parse("172.19.0.3"), 80));

        Assert.Equal(ProxyV2Headers.HaproxyTcp4, buffer[..n]);
    }

    [Fact]
    public void WritesIpv4MappedEndsAsTcp4()
    {
        var buffer = new byte[ProxyHeaderWriter.MaxV2Length];

        var n = ProxyHeaderWriter.WriteV2(buffer, new IPEndPoint(IPAddress.Parse("::ffff:172.19.0.1"), 42578), new IPEndPoint(IPAddress.Parse("::ffff:172.19.0.3"), 80));

        Assert.Equal(ProxyV2Headers.HaproxyTcp4, buffer[..n]);
    }

    [Fact]
    public void WritesTcp6WhenEitherEndIsIpv6AndMapsTheOther()
    {
        var buffer = new byte[ProxyHeaderWriter.MaxV2Length];

        var n = ProxyHeaderWriter.WriteV2(buffer, new IPEndPoint(IPAddress.Parse("2001:db8::7"), 40000), new IPEndPoint(IPAddress.Parse("10.0.0.1"), 5432));
        var header = ProxyProtocolReader.Read(buffer.AsSpan(0, n));

        Assert.Equal(52, n);
        Assert.Equal(0x21, buffer[13]);
        Assert.Equal(new IPEndPoint(IPAddress.Parse("2001:db8::7"), 40000), header.Source);
        Assert.Equal(new IPEndPoint(IPAddress.Parse("10.0.0.1"), 5432), header.Destination);
    }

    [Fact]
    public void WritesALocalCommandTheReaderReadsAsLocal()
    {
        var buffer = new byte[ProxyHeaderWriter.LocalV2Length];

        var n = ProxyHeaderWriter.WriteV2Local(buffer);

        Assert.Equal(Convert.FromHexString("0D0A0D0A000D0A515549540A20000000"), buffer[..n]);
        Assert.Equal(ProxyHeaderStatus.Local, ProxyProtocolReader.Read(buffer).Status);
    }

    [Fact]
    public void RoundTripsRandomEndpointsThroughTheReader()
    {
        var random = new Random(7);
        var buffer = new byte[ProxyHeaderWriter.MaxV2Length];
        for (var i = 0; i < 1000; i++)
        {
            var v6 = random.Next(2) == 0;
            var source = new IPEndPoint(RandomAddress(random, v6), random.Next(65536));
            var destination = new IPEndPoint(RandomAddress(random, v6), random.Next(65536));

            var n = ProxyHeaderWriter.WriteV2(buffer, source, destination);
            var header = ProxyProtocolReader.Read(buffer.AsSpan(0, n));

            Assert.Equal(ProxyHeaderStatus.Proxied, header.Status);
            Assert.Equal(n, header.Consumed);
            Assert.Equal(Unmapped(source), header.Source);
            Assert.Equal(Unmapped(destination), header.Destination);
        }
    }

    [Fact]
    public void RefusesABufferShorterThanTheHeader()
    {
        var end = new IPEndPoint(IPAddress.Loopback, 1);

        Assert.Throws<ArgumentException>(() => ProxyHeaderWriter.WriteV2(new byte[27], end, end));
        Assert.Throws<ArgumentException>(() => ProxyHeaderWriter.WriteV2Local(new byte[15]));
    }

    private static IPAddress RandomAddress(Random random, bool v6)
    {
        var bytes = new byte[v6 ? 16 : 4];
        random.NextBytes(bytes);
        return new IPAddress(bytes);
    }

    private static IPEndPoint Unmapped(IPEndPoint end) =>
        end.Address.IsIPv4MappedToIPv6 ? new IPEndPoint(end.Address.MapToIPv4(), end.Port) : end;
}
