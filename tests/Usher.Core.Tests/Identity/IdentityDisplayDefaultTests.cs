using Usher.Configuration;
using Usher.Identity;

namespace Usher.Core.Tests.Identity;

/// <summary>Which identities are hidden when the listener does not say: those of a header whose name says it carries a
/// secret.</summary>
public sealed class IdentityDisplayDefaultTests
{
    [Theory]
    [InlineData("X-Api-Key")]
    [InlineData("x-api-key")]
    [InlineData("APIKEY")]
    [InlineData("X-Auth-Token")]
    [InlineData("X-Client-Secret")]
    [InlineData("Authorization")]
    [InlineData("Proxy-Authorization")]
    [InlineData("X-Session-Id")]
    [InlineData("Cookie")]
    [InlineData("X-Password")]
    [InlineData("X-Credential")]
    public void A_header_whose_name_says_key_token_secret_or_authorization_is_hashed(string header)
    {
        Assert.Equal(IdentityDisplay.Hash, IdentityDisplayDefault.For(IdentityKind.HttpHeader, header));
        Assert.Equal(IdentityDisplay.Hash, Listener(IdentityKind.HttpHeader, header).IdentityDisplay);
    }

    [Theory]
    [InlineData("X-User")]
    [InlineData("X-Tenant")]
    [InlineData("X-Forwarded-User")]
    public void Any_other_header_is_shown_in_clear(string header)
    {
        Assert.Equal(IdentityDisplay.Clear, IdentityDisplayDefault.For(IdentityKind.HttpHeader, header));
    }

    [Theory]
    [InlineData(IdentityKind.SourceIp)]
    [InlineData(IdentityKind.ProxyProtocol)]
    [InlineData(IdentityKind.PostgresUser)]
    [InlineData(IdentityKind.MqttClientId)]
    [InlineData(IdentityKind.MqttUsername)]
    [InlineData(IdentityKind.ImapLogin)]
    [InlineData(IdentityKind.TlsSni)]
    [InlineData(IdentityKind.TlsClientCertificate)]
    public void Other_kinds_are_shown_in_clear(IdentityKind kind)
    {
        Assert.Equal(IdentityDisplay.Clear, IdentityDisplayDefault.For(kind, null));
        Assert.Equal(IdentityDisplay.Clear, Listener(kind, null).IdentityDisplay);
    }

    [Fact]
    public void A_listener_that_sets_its_display_keeps_it()
    {
        var listener = new ListenerSettings
        {
            Name = "api", Listen = new(System.Net.IPAddress.Loopback, 0), BackendHost = "127.0.0.1", BackendPort = 1,
            Identity = IdentityKind.HttpHeader, IdentityArgument = "X-Api-Key", IdentityDisplay = IdentityDisplay.Prefix,
        };

        Assert.Equal(IdentityDisplay.Prefix, listener.IdentityDisplay);
    }

    private static ListenerSettings Listener(IdentityKind kind, string? header) => new()
    {
        Name = "l", Listen = new(System.Net.IPAddress.Loopback, 0), BackendHost = "127.0.0.1", BackendPort = 1,
        Identity = kind, IdentityArgument = header,
    };
}
