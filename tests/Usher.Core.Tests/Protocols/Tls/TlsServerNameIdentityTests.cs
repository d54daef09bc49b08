using Usher.Protocols;
using Usher.Protocols.Tls;

namespace Usher.Core.Tests.Protocols.Tls;

public sealed class TlsServerNameIdentityTests
{
    [Theory]
    [InlineData("a.example", "a.example")]
    [InlineData("Mail.Example.COM", "mail.example.com")]
    public void A_server_name_is_lower_cased(string sent, string identity) =>
        Assert.Equal(Identified(identity), TlsServerNameIdentity.Read(sent));

    [Theory]
    [InlineData(null, "no SNI")]
    [InlineData("", "no SNI")]
    [InlineData("a.example.", "server name is not a host name")]
    [InlineData("a..example", "server name is not a host name")]
    [InlineData("bücher.example", "server name is not a host name")]
    [InlineData("a example", "server name is not a host name")]
    public void A_missing_or_malformed_server_name_is_invalid(string? sent, string problem) =>
        Assert.Equal(HandshakeResult.Invalid(problem), TlsServerNameIdentity.Read(sent));

    private static HandshakeResult Identified(string identity) => new(HandshakeStatus.Identified, identity);
}
