using Microsoft.Extensions.Configuration;
using Usher.Configuration;

namespace Usher.Core.Tests.Configuration;

public sealed class BareNumberDurationTests
{
    [Fact]
    public void ADurationWithoutUnitIsAnErrorNotThirtyDays()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Usher:Listeners:0:Listen"] = "127.0.0.1:7000",
            ["Usher:Listeners:0:Backend"] = "127.0.0.1:7001",
            ["Usher:Listeners:0:IdleTimeout"] = "30",
        }).Build();

        var error = Assert.Single(Assert.Throws<ConfigException>(() => ConfigReader.Read(configuration, "usher.json")).Errors);

        Assert.Equal("Usher:Listeners:0:IdleTimeout", error.Key);
        Assert.Contains("no unit", error.Problem, StringComparison.Ordinal);
        Assert.Contains("\"00:00:30\"", error.Fix, StringComparison.Ordinal);
    }
}
