using Usher.Core.Tests.Protocols.Support;
using Usher.Protocols;
using Usher.Protocols.Http;
using Usher.Protocols.Proxy;

namespace Usher.Core.Tests.Protocols.Http;

public sealed class HttpRequestReaderTests
{
    private static readonly HttpRequestReader ByTenant = new("X-Tenant");
    private static readonly HttpRequestReader ByBasicUser = new("Authorization");

    private static byte[] CurlRequest
    {
        get
        {
            var input = Captured.CurlHttpWithProxyV1;
            return input[ProxyProtocolReader.Read(input).Consumed..];
        }
    }

    [Fact]
    public void ReadsANamedHeaderOfTheRequestCurlSends()
    {
        Assert.Equal(new HandshakeResult(HandshakeStatus.Identified, "acme"), ByTenant.Read(CurlRequest));
    }

    [Fact]
    public void ReadsTheBasicUserOfTheRequestCurlSends()
    {
        Assert.Equal(new HandshakeResult(HandshakeStatus.Identified, "alice"), ByBasicUser.Read(CurlRequest));
        Assert.True(ByBasicUser.ReadsBasicUser);
        Assert.True(new HttpRequestReader("proxy-authorization").ReadsBasicUser);
    }

    [Theory]
    [InlineData("x-tenant:acme")]
    [InlineData("X-TENANT: \t acme \t ")]
    public void MatchesTheHeaderNameWithoutRegardToCaseAndTrimsTheValue(string field)
    {
        Assert.Equal("acme", ByTenant.Read(Request(field)).Identity);
    }

    [Theory]
    [InlineData("Authorization: basic " + "Ym9iOnB3")]
    [InlineData("Authorization: BASIC    Ym9iOnB3")]
    [InlineData("Authorization: Basic Ym9iOg==")]
    [InlineData("Authorization: Basic Ym9iOnB3OmNvbG9uOmluOnBhc3N3b3Jk")]
    public void ReadsTheUserBeforeTheFirstColonOfBasicCredentials(string field)
    {
        Assert.Equal("bob", ByBasicUser.Read(Request(field)).Identity);
    }

    [Theory]
    [InlineData("Authorization: Bearer abc.def.ghi", "credentials are not Basic")]
    [InlineData("Authorization: Basic", "credentials are not Basic")]
    [InlineData("Authorization: Basic Ym9i", "malformed Basic credentials")]
    [InlineData("Authorization: Basic Ym9iOnB3=", "malformed Basic credentials")]
    [InlineData("Authorization: Basic Ym9i OnB3", "malformed Basic credentials")]
    [InlineData("Authorization: Basic OnB3", "Basic user is empty")]
    [InlineData("X-Other: 1", "no Authorization header")]
    public void RefusesCredentialsThatGiveNoUser(string field, string problem)
    {
        Assert.Equal(HandshakeResult.Invalid(problem), ByBasicUser.Read(Request(field)));
    }

    [Theory]
    [InlineData("X_Tenant: b")]
    [InlineData("x_tenant: b")]
    [InlineData("X_TENANT: b")]
    public void RefusesAHeaderWhoseNameDiffersFromTheIdentityHeaderOnlyByUnderscoreOrCase(string other)
    {
        var problem = ByTenant.Read(Request("X-Tenant: a", other)).Problem;

        Assert.NotNull(problem);
        Assert.Contains("X-Tenant", problem, StringComparison.Ordinal);
        Assert.Equal(HandshakeStatus.Invalid, ByTenant.Read(Request(other)).Status);
    }

    [Theory]
    [InlineData("X-Tenants: b")]
    [InlineData("X~Tenant: b")]
    [InlineData("X^Tenant: b")]
    public void KeepsHeadersWhoseNamesOnlyLookAlike(string other)
    {
        Assert.Equal(new HandshakeResult(HandshakeStatus.Identified, "a"), ByTenant.Read(Request("X-Tenant: a", other)));
    }

    [Fact]
    public void TellsMissingCredentialsFromABadRequest()
    {
        Assert.True(ByBasicUser.IsCredentialProblem(Request("X-Other: 1")));
        Assert.True(ByBasicUser.IsCredentialProblem(Request("Authorization: Bearer x")));
        Assert.False(ByBasicUser.IsCredentialProblem(Request("Authorization: Basic YTpi", "authorization: Basic YTpi")));
        Assert.False(ByBasicUser.IsCredentialProblem("GET /a HTTP/1.1\r\nHost: h\nX: 1\r\n\r\n"u8));
        Assert.False(ByTenant.IsCredentialProblem(Request("X-Other: 1")));
    }

    [Fact]
    public void RefusesARequestWithoutTheHeaderOrWithItTwiceOrEmpty()
    {
        Assert.Equal("no X-Tenant header", ByTenant.Read(Request("X-Other: a")).Problem);
        Assert.Equal("no X-Tenant header", ByTenant.Read(Request("X-Tenant:   ")).Problem);
        Assert.Equal("more than one X-Tenant header", ByTenant.Read(Request("X-Tenant: a", "x-tenant: b")).Problem);
    }

    [Theory]
    [InlineData("GET /a HTTP/1.1\r\nHost: h\r\nX-Tenant : acme\r\n\r\n", "invalid header field")]
    [InlineData("GET /a HTTP/1.1\r\nHost: h\r\n folded\r\nX-Tenant: acme\r\n\r\n", "invalid header field")]
    [InlineData("GET /a HTTP/1.1\r\nHost: h\nX-Tenant: acme\r\n\r\n", "invalid header field")]
    [InlineData("GET /a HTTP/1.1\r\nHost: h\rX-Tenant: acme\r\n\r\n", "invalid header field")]
    [InlineData("GET /a HTTP/1.1\r\nX-Tenant: ac\u0000me\r\n\r\n", "invalid header field")]
    [InlineData("GET /a HTTP/1.1\r\nNoColon\r\n\r\n", "invalid header field")]
    [InlineData("GET  /a HTTP/1.1\r\nX-Tenant: acme\r\n\r\n", "invalid request line")]
    [InlineData("GET /a b HTTP/1.1\r\nX-Tenant: acme\r\n\r\n", "unsupported HTTP version")]
    [InlineData("GET /a HTTP/2\r\nX-Tenant: acme\r\n\r\n", "unsupported HTTP version")]
    [InlineData("G(T /a HTTP/1.1\r\nX-Tenant: acme\r\n\r\n", "invalid request line")]
    [InlineData("\r\nGET /a HTTP/1.1\r\nX-Tenant: acme\r\n\r\n", "invalid request line")]
    [InlineData("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "HTTP/2 connection preface (only HTTP/1.x is read)")]
    public void RefusesHeadsAStrictServerWouldRefuse(string input, string problem)
    {
        Assert.Equal(HandshakeResult.Invalid(problem), ByTenant.Read(Bytes.Ascii(input)));
    }

    [Theory]
    [InlineData("\u0016\u0003\u0001\u0002\u0000\u0001")]
    [InlineData("GET /a\u0001")]
    [InlineData("GE\"T")]
    [InlineData("GET /a HTTP/3")]
    [InlineData("GET /a HTTP/1.1\r\nHost: a\u0001b")]
    [InlineData("GET /a HTTP/1.1\r\nBad Name: x\r\n")]
    public void RefusesWhatIsNotHttpBeforeTheHeadIsComplete(string input)
    {
        Assert.Equal(HandshakeStatus.Invalid, ByTenant.Read(Bytes.Ascii(input)).Status);
    }

    [Fact]
    public void AcceptsHttp10AndIgnoresTheBodyAfterTheHead()
    {
        var input = Bytes.Ascii("POST /x HTTP/1.0\r\nX-Tenant: acme\r\nContent-Length: 5\r\n\r\nhello");

        Assert.Equal("acme", ByTenant.Read(input).Identity);
    }

    [Fact]
    public void RefusesAHeadThatDoesNotEndWithin16KB()
    {
        var input = Bytes.Ascii("GET / HTTP/1.1\r\nX-Pad: " + new string('a', 16 * 1024));

        Assert.Equal(HandshakeResult.Invalid(HandshakeLimits.TooLarge), ByTenant.Read(input));
    }

    [Fact]
    public void ReadsAHeadOfExactly16KB()
    {
        var start = "GET / HTTP/1.1\r\nX-Tenant: acme\r\nX-Pad: ";
        var input = Bytes.Ascii(start + new string('a', (16 * 1024) - start.Length - 4) + "\r\n\r\n");

        Assert.Equal(16 * 1024, input.Length);
        Assert.Equal("acme", ByTenant.Read(input).Identity);
    }

    [Fact]
    public void RefusesAHeaderNameThatIsNotATokenAtConstruction()
    {
        Assert.Throws<ArgumentException>(() => new HttpRequestReader("X Tenant"));
        Assert.Throws<ArgumentException>(() => new HttpRequestReader(string.Empty));
    }

    [Fact]
    public void NeedsMoreAtEverySplitPointThenReadsTheSame()
    {
        foreach (var (reader, input) in new[] { (ByTenant, CurlRequest), (ByBasicUser, CurlRequest) })
        {
            var whole = reader.Read(input);
            for (var i = 0; i < input.Length; i++)
            {
                Assert.Equal(HandshakeResult.NeedMore, reader.Read(input.AsSpan(0, i)));
            }

            Assert.Equal(HandshakeStatus.Identified, whole.Status);
            Assert.Equal(whole, reader.Read(Bytes.Concat(input, Bytes.Ascii("body\r\n\r\nGET / HTTP/1.1\r\nX-Tenant: other\r\n\r\n"))));
        }
    }

    private static byte[] Request(params string[] fields) =>
        Bytes.Utf8("GET /a HTTP/1.1\r\nHost: example.com\r\n" + string.Concat(fields.Select(f => f + "\r\n")) + "\r\n");
}
