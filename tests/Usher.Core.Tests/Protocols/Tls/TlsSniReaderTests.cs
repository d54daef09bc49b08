using System.Text;
using Usher.Core.Tests.Protocols.Support;
using Usher.Protocols;
using Usher.Protocols.Tls;

namespace Usher.Core.Tests.Protocols.Tls;

public sealed class TlsSniReaderTests
{
    private static readonly TlsSniReader Reader = TlsSniReader.Instance;

    [Fact]
    public void ReadsTheServerNameCurlSends()
    {
        Assert.Equal(new HandshakeResult(HandshakeStatus.Identified, "mail.example.com"), Reader.Read(Captured.CurlClientHello));
    }

    [Fact]
    public void ReadsTheServerNameOpensslSends()
    {
        Assert.Equal(new HandshakeResult(HandshakeStatus.Identified, "db.example.net"), Reader.Read(Captured.OpenSslClientHello));
    }

    [Fact]
    public void LowerCasesTheServerName()
    {
        var hello = Captured.CurlClientHello;
        var at = hello.AsSpan().IndexOf("mail.example.com"u8);
        Encoding.ASCII.GetBytes("MAIL.Example.COM").CopyTo(hello, at);

        Assert.Equal("mail.example.com", Reader.Read(hello).Identity);
    }

    [Fact]
    public void SaysNoSniForAClientHelloWithoutAServerName()
    {
        Assert.Equal(HandshakeResult.Invalid(TlsSniReader.NoSni), Reader.Read(Captured.OpenSslClientHelloWithoutSni));
        Assert.Equal(HandshakeResult.Invalid(TlsSniReader.NoSni), Reader.Read(ClientHellos.Record(ClientHellos.Message())));
        Assert.Equal(HandshakeResult.Invalid(TlsSniReader.NoSni), Reader.Read(ClientHellos.Record(ClientHellos.Message(ClientHellos.ServerName((1, "other-type"))))));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(100)]
    [InlineData(511)]
    public void ReadsAClientHelloSplitOverSeveralRecords(int size)
    {
        var split = ClientHellos.Reframe(Captured.CurlClientHello, size);

        Assert.Equal("mail.example.com", Reader.Read(split).Identity);
    }

    [Fact]
    public void NeedsMoreAtEverySplitPointThenReadsTheSame()
    {
        foreach (var hello in new[] { Captured.CurlClientHello, Captured.OpenSslClientHello, ClientHellos.Reframe(Captured.CurlClientHello, 100) })
        {
            var whole = Reader.Read(hello);
            for (var i = 0; i < hello.Length; i++)
            {
                Assert.Equal(HandshakeResult.NeedMore, Reader.Read(hello.AsSpan(0, i)));
            }

            Assert.Equal(whole, Reader.Read(Bytes.Concat(hello, [20, 3, 3, 0, 1, 1, 23, 3, 3, 0, 5, 1, 2, 3, 4, 5])));
        }
    }

    [Fact]
    public void ReadsAClientHelloWithTheHostNameAmongOtherNameTypes()
    {
        var hello = ClientHellos.Record(ClientHellos.Message(ClientHellos.ServerName((7, "x"), (0, "a.example"), (9, "y"))));

        Assert.Equal("a.example", Reader.Read(hello).Identity);
    }

    [Theory]
    [InlineData("GET / HTTP/1.1\r\n", "not a TLS handshake")]
    [InlineData("\u0080\u0031\u0001\u0003\u0001", "not a TLS handshake")]
    [InlineData("\u0016\u0002\u0000", "not a TLS handshake")]
    [InlineData("\u0016\u0003\u0001\u0000\u0000", "TLS record length out of range")]
    [InlineData("\u0016\u0003\u0001\u0040\u0001", "TLS record length out of range")]
    [InlineData("\u0016\u0003\u0003\u0000\u0004\u0002\u0000\u0000\u0000", "not a ClientHello")]
    [InlineData("\u0016\u0003\u0001\u0000\u0004\u0001\u0001\u0000\u0000", HandshakeLimits.TooLarge)]
    public void RefusesWhatIsNotAClientHello(string input, string problem)
    {
        Assert.Equal(HandshakeResult.Invalid(problem), Reader.Read(Bytes.Ascii(input)));
    }

    [Theory]
    [InlineData("bad host.example")]
    [InlineData("trailing.dot.")]
    [InlineData(".leading")]
    [InlineData("double..dot")]
    [InlineData("10.0.0.1:443")]
    [InlineData("caf\u00e9.example")]
    public void RefusesAServerNameThatIsNotAHostName(string host)
    {
        Assert.Equal(HandshakeResult.Invalid("server name is not a host name"), Reader.Read(ClientHellos.WithHost(host)));
    }

    [Fact]
    public void AcceptsTheLongestHostNameAndRefusesALongerOne()
    {
        var longest = string.Join('.', Enumerable.Repeat(new string('a', 63), 4))[..255];

        Assert.Equal(longest, Reader.Read(ClientHellos.WithHost(longest)).Identity);
        Assert.Equal(HandshakeStatus.Invalid, Reader.Read(ClientHellos.WithHost(longest + "a")).Status);
    }

    [Fact]
    public void RefusesTwoServerNameExtensionsOrTwoHostNames()
    {
        var twoExtensions = ClientHellos.Record(ClientHellos.Message(ClientHellos.ServerName((0, "a.example")), ClientHellos.ServerName((0, "b.example"))));
        var twoHosts = ClientHellos.Record(ClientHellos.Message(ClientHellos.ServerName((0, "a.example"), (0, "b.example"))));

        Assert.Equal("duplicate server_name extension", Reader.Read(twoExtensions).Problem);
        Assert.Equal("more than one host_name", Reader.Read(twoHosts).Problem);
    }

    [Fact]
    public void RefusesLengthsThatDoNotAddUp()
    {
        var hello = Captured.CurlClientHello;
        var extensionsLengthAt = 5 + 4 + 2 + 32 + 1 + 32;
        extensionsLengthAt += 2 + ((hello[extensionsLengthAt] << 8) | hello[extensionsLengthAt + 1]);
        extensionsLengthAt += 1 + hello[extensionsLengthAt];
        var longer = (byte[])hello.Clone();
        longer[extensionsLengthAt + 1]++;
        var shorter = (byte[])hello.Clone();
        shorter[extensionsLengthAt + 1]--;

        Assert.Equal(HandshakeResult.Invalid("malformed ClientHello"), Reader.Read(longer));
        Assert.Equal(HandshakeResult.Invalid("malformed ClientHello"), Reader.Read(shorter));
    }

    [Fact]
    public void RefusesAFragmentedClientHelloInterruptedByAnotherRecordType()
    {
        var split = ClientHellos.Reframe(Captured.CurlClientHello, 100);
        split[105] = 23;

        Assert.Equal(HandshakeResult.Invalid("malformed ClientHello"), Reader.Read(split));
    }
}
