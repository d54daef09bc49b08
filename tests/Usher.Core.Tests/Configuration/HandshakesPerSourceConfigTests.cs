using Usher.Configuration;

namespace Usher.Core.Tests.Configuration;

/// <summary>MaxHandshakesPerSource: a listener key with a default, inherited from Defaults, a whole number from 1.</summary>
public sealed class HandshakesPerSourceConfigTests
{
    [Fact]
    public void A_listener_without_the_key_allows_64_handshakes_per_source_and_one_inherits_it_from_Defaults()
    {
        var settings = ConfigText.Read("""
            { "Usher": { "Defaults": { "MaxHandshakesPerSource": 8 }, "Listeners": [
              { "Name": "a", "Listen": "127.0.0.1:6432", "Backend": "127.0.0.1:5432" },
              { "Name": "b", "Listen": "127.0.0.1:6433", "Backend": "127.0.0.1:5432", "MaxHandshakesPerSource": 200 } ] } }
            """);

        Assert.Equal(64, ListenerSettings.DefaultMaxHandshakesPerSource);
        Assert.Equal([8, 200], settings.Listeners.Select(l => l.MaxHandshakesPerSource));
        Assert.Equal(64, ConfigText.Read("""
            { "Usher": { "Listeners": [ { "Listen": "127.0.0.1:6432", "Backend": "127.0.0.1:5432" } ] } }
            """).Listeners[0].MaxHandshakesPerSource);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("many")]
    public void A_count_that_is_not_a_whole_number_from_1_names_the_key(string value)
    {
        var e = ConfigText.Error($$"""
            { "Usher": { "Listeners": [ { "Listen": "127.0.0.1:6432", "Backend": "127.0.0.1:5432", "MaxHandshakesPerSource": "{{value}}" } ] } }
            """);

        Assert.Equal("Usher:Listeners:0:MaxHandshakesPerSource", e.Key);
        Assert.NotEmpty(e.Fix);
    }
}
