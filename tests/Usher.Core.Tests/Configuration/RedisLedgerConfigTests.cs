using Usher.Configuration;

namespace Usher.Core.Tests.Configuration;

/// <summary>The <c>Ledger</c> section of a Redis ledger: every key read with its default, every mistake named with
/// its key and fix, and the warning that limits come from each node's own configuration.</summary>
public sealed class RedisLedgerConfigTests
{
    private static string With(string ledger) => $$"""
        { "Usher": { "Ledger": {{ledger}},
                     "Listeners": [ { "Name": "pg", "Listen": "127.0.0.1:6432", "Backend": "127.0.0.1:5432" } ] } }
        """;

    [Fact]
    public void A_Redis_ledger_takes_every_key_as_written()
    {
        var settings = ConfigText.Read(With("""
            { "Kind": "Redis", "Configuration": "127.0.0.1:6379", "LeaseTtl": "00:00:09", "FailMode": "Closed",
              "Timeout": "00:00:00.100", "Node": "gw-a", "KeyPrefix": "shop" }
            """));

        var ledger = Assert.IsType<LedgerSettings>(settings.Ledger);
        Assert.Equal(LedgerKind.Redis, ledger.Kind);
        Assert.Equal("127.0.0.1:6379", ledger.Configuration);
        Assert.Equal(TimeSpan.FromSeconds(9), ledger.LeaseTtl);
        Assert.Equal(LedgerFailMode.Closed, ledger.FailMode);
        Assert.Equal(TimeSpan.FromMilliseconds(100), ledger.Timeout);
        Assert.Equal("gw-a", ledger.Node);
        Assert.Equal("shop", ledger.KeyPrefix);
    }

    [Fact]
    public void A_Redis_ledger_with_only_its_address_gets_the_documented_defaults()
    {
        var ledger = ConfigText.Read(With("""{ "Kind": "redis", "Configuration": "127.0.0.1:6379" }""")).Ledger!;

        Assert.Equal(TimeSpan.FromSeconds(15), ledger.LeaseTtl);
        Assert.Equal(LedgerFailMode.Open, ledger.FailMode);
        Assert.Equal(TimeSpan.FromMilliseconds(250), ledger.Timeout);
        Assert.Equal(Environment.MachineName, ledger.Node);
        Assert.Equal("usher", ledger.KeyPrefix);
    }

    [Fact]
    public void No_section_and_an_InMemory_section_both_count_in_memory()
    {
        Assert.Null(ConfigText.Read(With("""{ "Kind": "InMemory" }""")).Ledger);
        Assert.Null(ConfigText.Read("""
            { "Usher": { "Listeners": [ { "Listen": "127.0.0.1:6432", "Backend": "127.0.0.1:5432" } ] } }
            """).Ledger);
    }

    [Theory]
    [InlineData("""{ "Kind": "Redis" }""", "Usher:Ledger:Configuration", "the key is missing", "127.0.0.1:6379")]
    [InlineData("""{ "Kind": "Redis", "Configuration": "  " }""", "Usher:Ledger:Configuration", "the key is missing", "serviceName=")]
    [InlineData("""{ "Kind": "Redis", "Configuration": "r:6379", "LeaseTtl": "00:00:00.500" }""", "Usher:Ledger:LeaseTtl", "is outside", "00:00:15")]
    [InlineData("""{ "Kind": "Redis", "Configuration": "r:6379", "LeaseTtl": "02:00:00" }""", "Usher:Ledger:LeaseTtl", "is outside", "every third")]
    [InlineData("""{ "Kind": "Redis", "Configuration": "r:6379", "LeaseTtl": "15" }""", "Usher:Ledger:LeaseTtl", "has no unit", "00:00:15")]
    [InlineData("""{ "Kind": "Redis", "Configuration": "r:6379", "Timeout": "00:00:06" }""", "Usher:Ledger:Timeout", "longer than a third of LeaseTtl", "00:00:00.250")]
    [InlineData("""{ "Kind": "Redis", "Configuration": "r:6379", "FailMode": "Sometimes" }""", "Usher:Ledger:FailMode", "is not a fail mode", "\"Closed\"")]
    [InlineData("""{ "Kind": "Redis", "Configuration": "r:6379", "FailMode": "1" }""", "Usher:Ledger:FailMode", "is not a fail mode", "\"Open\"")]
    [InlineData("""{ "Kind": "Redis", "Configuration": "r:6379", "Node": "gw/a" }""", "Usher:Ledger:Node", "is not a usable name", "'/'")]
    [InlineData("""{ "Kind": "Redis", "Configuration": "r:6379", "Node": "" }""", "Usher:Ledger:Node", "is not a usable name", "gw-a")]
    [InlineData("""{ "Kind": "Redis", "Configuration": "r:6379", "KeyPrefix": "{usher}" }""", "Usher:Ledger:KeyPrefix", "is not a usable name", "braces")]
    [InlineData("""{ "Kind": "Redis", "Configuration": "r:6379", "Sentinel": "x" }""", "Usher:Ledger:Sentinel", "unknown key", "")]
    public void Each_mistake_in_a_Redis_ledger_names_its_key_and_the_fix(string ledger, string key, string problem, string fix)
    {
        var error = ConfigText.Error(With(ledger));

        Assert.Equal(key, error.Key);
        Assert.Contains(problem, error.Problem, StringComparison.Ordinal);
        Assert.Contains(fix, error.Fix, StringComparison.Ordinal);
        Assert.Equal(ConfigText.Source, error.Source);
    }

    [Fact]
    public void A_Redis_ledger_is_warned_about_limits_read_from_each_nodes_own_configuration()
    {
        var settings = ConfigText.Read(With("""{ "Kind": "Redis", "Configuration": "127.0.0.1:6379", "KeyPrefix": "shop", "Node": "gw-a" }"""));

        var warning = Assert.Single(ConfigWarnings.Of(settings));
        Assert.Equal("Usher:Ledger", warning.Key);
        Assert.Contains("each node's own configuration", warning.Problem, StringComparison.Ordinal);
        Assert.Contains("\"shop\"", warning.Problem, StringComparison.Ordinal);
        Assert.Contains("one configuration file to every node", warning.Fix, StringComparison.Ordinal);
        Assert.Empty(ConfigWarnings.Of(ConfigText.Read(With("""{ "Kind": "InMemory" }"""))));
    }

    [Fact]
    public void A_Redis_ledger_without_a_node_name_is_warned_that_it_takes_the_machines_name()
    {
        var settings = ConfigText.Read(With("""{ "Kind": "Redis", "Configuration": "127.0.0.1:6379" }"""));

        Assert.Equal(Environment.MachineName, settings.Ledger!.Node);
        var warning = Assert.Single(ConfigWarnings.Of(settings), w => w.Key == "Usher:Ledger:Node");
        Assert.Contains($"this node is called \"{Environment.MachineName}\", the machine's name", warning.Problem, StringComparison.Ordinal);
        Assert.Contains("9666", warning.Problem, StringComparison.Ordinal);
        Assert.Contains("\"Node\": \"gw-a\"", warning.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public void The_printed_settings_show_the_Redis_ledger_with_its_defaults()
    {
        var json = SettingsPrinter.ToJson(ConfigText.Read(With("""{ "Kind": "Redis", "Configuration": "127.0.0.1:6379", "Node": "gw-b" }""")));

        Assert.Contains("\"Kind\": \"Redis\"", json, StringComparison.Ordinal);
        Assert.Contains("\"Node\": \"gw-b\"", json, StringComparison.Ordinal);
        Assert.Contains("\"LeaseTtl\": \"00:00:15\"", json, StringComparison.Ordinal);
        Assert.Contains("\"FailMode\": \"Open\"", json, StringComparison.Ordinal);
    }
}
