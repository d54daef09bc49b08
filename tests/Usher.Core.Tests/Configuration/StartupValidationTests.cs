using System.Net;
using Usher.Configuration;

namespace Usher.Core.Tests.Configuration;

/// <summary>What `usher run` would otherwise meet only at start is found when the configuration is read: header names
/// that are not HTTP tokens, durations past what a timer takes, two listeners on one address, a ledger this build
/// does not have, and overrides whose identity holds ':' (the array form takes any identity).</summary>
public sealed class StartupValidationTests
{
    private static string Listener(string extra) => $$"""
        { "Usher": { "Listeners": [ { "Name": "pg", "Listen": "127.0.0.1:6432", "Backend": "127.0.0.1:5432"{{extra}} } ] } }
        """;

    [Theory]
    [InlineData("X User")]
    [InlineData("X-User:")]
    [InlineData("X(User)")]
    [InlineData("X-Üser")]
    public void A_header_name_that_is_not_an_RFC_9110_token_is_named_with_the_fix(string name)
    {
        var error = ConfigText.Error(Listener($$""", "Identity": "HttpHeader:{{name}}" """));

        Assert.Equal("Usher:Listeners:0:Identity", error.Key);
        Assert.Contains($"\"{name}\" is not an HTTP header name", error.Problem, StringComparison.Ordinal);
        Assert.Contains("HttpHeader:X-User", error.Fix, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("X-User")]
    [InlineData("x_api.key~1")]
    [InlineData("Authorization")]
    public void A_token_header_name_is_accepted(string name)
    {
        var settings = ConfigText.Read(Listener($$""", "Identity": "HttpHeader:{{name}}" """));

        Assert.Equal(name, settings.Listeners[0].IdentityArgument);
    }

    [Theory]
    [InlineData("\"ShutdownGrace\": \"10675199.02:48:05\",", "Usher:ShutdownGrace")]
    [InlineData("\"RefusalLogInterval\": \"25.00:00:00\",", "Usher:RefusalLogInterval")]
    [InlineData("\"Defaults\": { \"IdleTimeout\": \"3650.00:00:00\" },", "Usher:Defaults:IdleTimeout")]
    [InlineData("\"Defaults\": { \"ConnectRate\": { \"PerIp\": 5, \"Window\": \"100.00:00:00\" } },", "Usher:Defaults:ConnectRate:Window")]
    public void A_duration_past_24_days_is_refused_with_the_bound_in_the_message(string json, string key)
    {
        var error = ConfigText.Error($$"""
            { "Usher": { {{json}} "Listeners": [ { "Listen": "127.0.0.1:6432", "Backend": "127.0.0.1:5432" } ] } }
            """);

        Assert.Equal(key, error.Key);
        Assert.Contains("longer than the longest duration Usher takes, 24.00:00:00", error.Problem, StringComparison.Ordinal);
        Assert.Contains("\"24.00:00:00\"", error.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public void Exactly_24_days_is_accepted()
    {
        var settings = ConfigText.Read("""
            { "Usher": { "ShutdownGrace": "24.00:00:00", "Listeners": [ { "Listen": "127.0.0.1:6432", "Backend": "127.0.0.1:5432" } ] } }
            """);

        Assert.Equal(TimeSpan.FromDays(24), settings.ShutdownGrace);
    }

    [Theory]
    [InlineData("127.0.0.1:6432", "127.0.0.1:6432")]
    [InlineData("127.0.0.1:6432", "*:6432")]
    [InlineData("0.0.0.0:6432", "127.0.0.1:6432")]
    [InlineData("[::1]:6432", "[::]:6432")]
    public void Two_listeners_on_one_address_are_named_as_such(string first, string second)
    {
        var error = ConfigText.Error($$"""
            { "Usher": { "Listeners": [
                { "Name": "one", "Listen": "{{first}}", "Backend": "127.0.0.1:5432" },
                { "Name": "two", "Listen": "{{second}}", "Backend": "127.0.0.1:5433" } ] } }
            """);

        Assert.Equal("Usher:Listeners:1:Listen", error.Key);
        Assert.Contains($"\"{second}\" is also where listener \"one\" listens", error.Problem, StringComparison.Ordinal);
        Assert.Contains("address:port of its own", error.Fix, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("127.0.0.1:6432", "127.0.0.2:6432")]
    [InlineData("127.0.0.1:6432", "127.0.0.1:6433")]
    [InlineData("0.0.0.0:6432", "[::1]:6432")]
    [InlineData("127.0.0.1:0", "127.0.0.1:0")]
    public void Listeners_on_different_addresses_or_on_port_0_are_accepted(string first, string second)
    {
        var settings = ConfigText.Read($$"""
            { "Usher": { "Listeners": [
                { "Name": "one", "Listen": "{{first}}", "Backend": "127.0.0.1:5432" },
                { "Name": "two", "Listen": "{{second}}", "Backend": "127.0.0.1:5433" } ] } }
            """);

        Assert.Equal(2, settings.Listeners.Count);
    }

    [Theory]
    [InlineData("""{ "Kind": "Etcd" }""", "Usher:Ledger:Kind", "\"Etcd\" is not a ledger kind")]
    [InlineData("""{ "Redis": "localhost:6379" }""", "Usher:Ledger:Kind", "the key is missing")]
    [InlineData("""{ "Kind": "InMemory", "Configuration": "localhost:6379" }""", "Usher:Ledger:Configuration", "unknown key")]
    [InlineData("\"Redis\"", "Usher:Ledger", "\"Redis\" must be an object")]
    [InlineData("""{ "Kind": "InMemory", "Size": 5 }""", "Usher:Ledger:Size", "unknown key")]
    public void An_unknown_ledger_kind_or_section_is_named_never_ignored(string ledger, string key, string problem)
    {
        var error = ConfigText.Error($$"""
            { "Usher": { "Ledger": {{ledger}}, "Listeners": [ { "Listen": "127.0.0.1:6432", "Backend": "127.0.0.1:5432" } ] } }
            """);

        Assert.Equal(key, error.Key);
        Assert.Contains(problem, error.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void An_InMemory_ledger_is_accepted()
    {
        var settings = ConfigText.Read("""
            { "Usher": { "Ledger": { "Kind": "InMemory" }, "Listeners": [ { "Listen": "127.0.0.1:6432", "Backend": "127.0.0.1:5432" } ] } }
            """);

        Assert.Single(settings.Listeners);
    }

    [Fact]
    public void The_array_form_of_Overrides_takes_identities_holding_colons()
    {
        var settings = ConfigText.Read(Listener("""
            , "Overrides": [ { "Identity": "2001:db8::7", "Limit": 5 }, { "Identity": "alice@2001:db8::7", "Limit": 3 },
                             { "Identity": "urn:tenant:1", "Limit": 0 } ]
            """));

        var overrides = settings.Listeners[0].Overrides;
        Assert.Equal(5, overrides["2001:db8::7"]);
        Assert.Equal(3, overrides["alice@2001:db8::7"]);
        Assert.Equal(0, overrides["urn:tenant:1"]);
        Assert.Equal(3, overrides.Count);
    }

    [Fact]
    public void Check_prints_overrides_holding_colons_in_the_array_form_the_reader_takes_back()
    {
        var settings = ConfigText.Read(Listener("""
            , "Overrides": [ { "Identity": "2001:db8::7", "Limit": 5 }, { "Identity": "svc", "Limit": 4 } ]
            """));

        using var printed = System.Text.Json.JsonDocument.Parse(SettingsPrinter.ToJson(settings));
        var overrides = printed.RootElement.GetProperty("Usher").GetProperty("Listeners")[0].GetProperty("Overrides");

        Assert.Equal(System.Text.Json.JsonValueKind.Array, overrides.ValueKind);
        var again = ConfigText.Read(Listener(", \"Overrides\": " + overrides.GetRawText())).Listeners[0].Overrides;
        Assert.Equal(settings.Listeners[0].Overrides, again);
    }

    [Fact]
    public void The_object_form_still_serves_simple_names_and_a_listener_entry_wins_over_Defaults_in_either_form()
    {
        var settings = ConfigText.Read("""
            { "Usher": {
                "Defaults": { "Overrides": [ { "Identity": "urn:tenant:1", "Limit": 9 }, { "Identity": "svc", "Limit": 4 } ] },
                "Listeners": [ { "Listen": "127.0.0.1:6432", "Backend": "127.0.0.1:5432",
                                 "Overrides": { "svc": 200, "10.0.0.9": 2 } } ] } }
            """);

        var overrides = settings.Listeners[0].Overrides;
        Assert.Equal(200, overrides["svc"]);
        Assert.Equal(2, overrides["10.0.0.9"]);
        Assert.Equal(9, overrides["urn:tenant:1"]);
    }

    [Fact]
    public void An_object_key_holding_a_colon_is_named_whole_with_the_array_form_as_the_fix()
    {
        var error = ConfigText.Error(Listener(""", "Overrides": { "2001:db8::7": 5 }"""));

        Assert.Equal("Usher:Listeners:0:Overrides:2001:db8::7", error.Key);
        Assert.Contains("the identity \"2001:db8::7\" holds ':'", error.Problem, StringComparison.Ordinal);
        Assert.Contains("""[ { "Identity": "2001:db8::7", "Limit": 5 } ]""", error.Fix, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""[ { "Limit": 5 } ]""", "Usher:Listeners:0:Overrides:0:Identity", "the key is missing")]
    [InlineData("""[ { "Identity": "svc" } ]""", "Usher:Listeners:0:Overrides:0:Limit", "the key is missing")]
    [InlineData("""[ { "Identity": "svc", "Limit": "many" } ]""", "Usher:Listeners:0:Overrides:0:Limit", "\"many\" is not a session limit")]
    [InlineData("""[ { "Identity": "svc", "Limit": 5, "Lmit": 6 } ]""", "Usher:Listeners:0:Overrides:0:Lmit", "unknown key")]
    [InlineData("\"svc\"", "Usher:Listeners:0:Overrides", "must be an object or a list")]
    public void A_malformed_array_entry_is_named(string overrides, string key, string problem)
    {
        var error = ConfigText.Error(Listener($$""", "Overrides": {{overrides}}"""));

        Assert.Equal(key, error.Key);
        Assert.Contains(problem, error.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void An_admin_endpoint_on_a_listeners_address_is_still_named()
    {
        var error = ConfigText.Error("""
            { "Usher": { "Admin": { "Listen": "127.0.0.1:6432" },
                         "Listeners": [ { "Name": "pg", "Listen": "*:6432", "Backend": "127.0.0.1:5432" } ] } }
            """);

        Assert.Equal("Usher:Admin:Listen", error.Key);
        Assert.Equal(new IPEndPoint(IPAddress.Loopback, 6432).ToString(), error.Problem.Split('"')[1]);
    }
}
