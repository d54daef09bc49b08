using Usher.Configuration;

namespace Usher.Core.Tests.Configuration;

/// <summary>Every error names the file, the full key and a fix.</summary>
public sealed class ConfigErrorTests
{
    private static string OneListener(string extra) => $$"""
        { "Usher": { "Listeners": [ { "Name": "pg", "Listen": "127.0.0.1:6432", "Backend": "127.0.0.1:5432"{{extra}} } ] } }
        """;

    [Fact]
    public void ABadDurationNamesItsKeyAndShowsTheFormat()
    {
        var e = ConfigText.Error(OneListener(""", "Keepalive": { "Idle": "5 minutes" }"""));

        Assert.Equal(ConfigText.Source, e.Source);
        Assert.Equal("Usher:Listeners:0:Keepalive:Idle", e.Key);
        Assert.Contains("\"5 minutes\" is not a duration", e.Problem, StringComparison.Ordinal);
        Assert.Contains("00:00:30", e.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public void AKeepaliveTimeThatIsNotWholeSecondsIsRefused()
    {
        var e = ConfigText.Error(OneListener(""", "Keepalive": { "Interval": "00:00:01.500" }"""));

        Assert.Equal("Usher:Listeners:0:Keepalive:Interval", e.Key);
        Assert.Contains("whole number of seconds", e.Problem, StringComparison.Ordinal);
        Assert.NotEmpty(e.Fix);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("128")]
    [InlineData("three")]
    public void AKeepaliveCountOutOfRangeIsRefused(string count)
    {
        var e = ConfigText.Error(OneListener($$""", "Keepalive": { "Count": "{{count}}" }"""));

        Assert.Equal("Usher:Listeners:0:Keepalive:Count", e.Key);
        Assert.Contains("between 1 and 127", e.Problem, StringComparison.Ordinal);
        Assert.Contains("from 1 to 127", e.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public void AHalfCloseThatIsNotTrueOrFalseNamesItsKeyAndBothValues()
    {
        var e = ConfigText.Error(OneListener(""", "HalfClose": "sometimes" """));

        Assert.Equal("Usher:Listeners:0:HalfClose", e.Key);
        Assert.Contains("\"sometimes\" is not true or false", e.Problem, StringComparison.Ordinal);
        Assert.Contains("\"HalfClose\": false", e.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public void AnErrorInDefaultsNamesTheDefaultsKey()
    {
        var e = ConfigText.Error("""
            { "Usher": {
                "Defaults": { "Keepalive": { "Idle": "soon" } },
                "Listeners": [ { "Name": "pg", "Listen": "127.0.0.1:6432", "Backend": "127.0.0.1:5432" } ] } }
            """);

        Assert.Equal("Usher:Defaults:Keepalive:Idle", e.Key);
    }

    [Fact]
    public void AMissingListenAndBackendAreBothReported()
    {
        var errors = ConfigText.Errors("""{ "Usher": { "Listeners": [ { "Name": "pg" } ] } }""");

        Assert.Equal(["Usher:Listeners:0:Listen", "Usher:Listeners:0:Backend"], errors.Select(e => e.Key));
        Assert.All(errors, e => Assert.Equal("the key is missing", e.Problem));
        Assert.All(errors, e => Assert.Contains("host:port", e.Fix, StringComparison.Ordinal));
    }

    [Fact]
    public void AListenAddressThatIsAHostNameIsRefused()
    {
        var e = ConfigText.Error("""
            { "Usher": { "Listeners": [ { "Listen": "gateway.internal:6432", "Backend": "127.0.0.1:5432" } ] } }
            """);

        Assert.Equal("Usher:Listeners:0:Listen", e.Key);
        Assert.Contains("not an IP address", e.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void TwoListenersWithOneNameAreRefusedAtTheSecond()
    {
        var e = ConfigText.Error("""
            { "Usher": { "Listeners": [
                { "Name": "pg", "Listen": "127.0.0.1:6432", "Backend": "127.0.0.1:5432" },
                { "Name": "pg", "Listen": "127.0.0.1:6433", "Backend": "127.0.0.1:5433" } ] } }
            """);

        Assert.Equal("Usher:Listeners:1:Name", e.Key);
        Assert.Contains("\"pg\" is used by another listener", e.Problem, StringComparison.Ordinal);
        Assert.Contains("its own Name", e.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public void AMisspelledKeyIsRefusedWithTheClosestKnownKey()
    {
        var e = ConfigText.Error(OneListener(""", "MaxSessionPerIdentity": 5"""));

        Assert.Equal("Usher:Listeners:0:MaxSessionPerIdentity", e.Key);
        Assert.Equal("unknown key", e.Problem);
        Assert.Equal("did you mean \"MaxSessionsPerIdentity\"?", e.Fix);
    }

    [Fact]
    public void AMisspelledKeepaliveKeyIsRefusedWithTheClosestKnownKey()
    {
        var e = ConfigText.Error(OneListener(""", "Keepalive": { "Intervall": "00:00:10" }"""));

        Assert.Equal("Usher:Listeners:0:Keepalive:Intervall", e.Key);
        Assert.Equal("did you mean \"Interval\"?", e.Fix);
    }

    [Fact]
    public void AnUnknownKeyFarFromEveryKnownOneListsTheKnownKeys()
    {
        var e = ConfigText.Error(OneListener(""", "Colour": "blue" """));

        Assert.Equal("Usher:Listeners:0:Colour", e.Key);
        Assert.StartsWith("remove it; known keys here are Name, Listen, Backend", e.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public void AMissingUsherSectionIsReportedWithAnExample()
    {
        var e = ConfigText.Error("""{ "Gateway": { "Listeners": [] } }""");

        Assert.Equal("Usher", e.Key);
        Assert.Equal("the section is missing", e.Problem);
        Assert.Contains("\"Usher\"", e.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public void NoListenerIsAnError()
    {
        var e = ConfigText.Error("""{ "Usher": { "MaxSessions": 10 } }""");

        Assert.Equal("Usher:Listeners", e.Key);
        Assert.Equal("no listener is configured", e.Problem);
        Assert.Contains("\"Listen\"", e.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public void EveryErrorIsReportedAtOnceInFileOrder()
    {
        var ex = Assert.Throws<ConfigException>(() => ConfigText.Read("""
            { "Usher": {
                "MaxSesions": 10,
                "Listeners": [
                  { "Name": "a", "Listen": "127.0.0.1:1", "Backend": "127.0.0.1:2", "IdleTimeout": "never" },
                  { "Name": "b", "Backend": "127.0.0.1:2", "Keepalive": { "Count": 500 } } ] } }
            """));

        Assert.Equal(
            ["Usher:MaxSesions", "Usher:Listeners:0:IdleTimeout", "Usher:Listeners:1:Listen", "Usher:Listeners:1:Keepalive:Count"],
            ex.Errors.Select(e => e.Key));
        Assert.All(ex.Errors, e => Assert.Equal(ConfigText.Source, e.Source));
        Assert.All(ex.Errors, e => Assert.False(string.IsNullOrWhiteSpace(e.Fix)));
        foreach (var error in ex.Errors)
        {
            Assert.Contains(error.ToString(), ex.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void AnErrorReadsAsFileKeyProblemAndFix()
    {
        var e = new ConfigError("usher.json", "Usher:Listeners:0:Keepalive:Idle", "\"x\" is not a duration", "write \"00:00:30\"");

        Assert.Equal("usher.json: Usher:Listeners:0:Keepalive:Idle: \"x\" is not a duration. Fix: write \"00:00:30\".", e.ToString());
    }

    [Fact]
    public void AnErrorInDefaultsIsReportedOnceHoweverManyListenersInheritIt()
    {
        var errors = ConfigText.Errors("""
            { "Usher": {
                "Defaults": { "Keepalive": { "Idle": "soon", "Cuont": 3 } },
                "Listeners": [
                  { "Name": "a", "Listen": "127.0.0.1:1", "Backend": "127.0.0.1:2" },
                  { "Name": "b", "Listen": "127.0.0.1:3", "Backend": "127.0.0.1:4" } ] } }
            """);

        Assert.Equal(["Usher:Defaults:Keepalive:Cuont", "Usher:Defaults:Keepalive:Idle"], errors.Select(e => e.Key));
    }
}
