using Usher.Configuration;

namespace Usher.Core.Tests.Configuration;

public sealed class MaxUnconfirmedPerIdentityTests
{
    private static string OneListener(string extra, string defaults = "") => $$"""
        { "Usher": { {{defaults}}"Listeners": [ { "Name": "pg", "Listen": "127.0.0.1:6432", "Backend": "127.0.0.1:5432", "Identity": "PostgresUser"{{extra}} } ] } }
        """;

    [Fact]
    public void ItDefaultsToFourAndIsReadFromTheListenerOrDefaults()
    {
        Assert.Equal(4, ConfigText.Read(OneListener(string.Empty)).Listeners[0].MaxUnconfirmedPerIdentity);
        Assert.Equal(9, ConfigText.Read(OneListener(""", "MaxUnconfirmedPerIdentity": 9""")).Listeners[0].MaxUnconfirmedPerIdentity);
        Assert.Equal(2, ConfigText.Read(OneListener(string.Empty, """ "Defaults": { "MaxUnconfirmedPerIdentity": 2 }, """)).Listeners[0].MaxUnconfirmedPerIdentity);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-1")]
    [InlineData("\"many\"")]
    public void ANumberThatIsNotPositiveIsRefusedWithItsKey(string value)
    {
        var e = ConfigText.Error(OneListener($$""", "MaxUnconfirmedPerIdentity": {{value}}"""));

        Assert.Equal("Usher:Listeners:0:MaxUnconfirmedPerIdentity", e.Key);
        Assert.NotEmpty(e.Fix);
    }
}
