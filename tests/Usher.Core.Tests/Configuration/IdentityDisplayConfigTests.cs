using Usher.Configuration;
using Usher.Identity;

namespace Usher.Core.Tests.Configuration;

/// <summary><c>IdentityDisplay</c> per listener (or in <c>Defaults</c>) and <c>IdentityHashKeyFile</c>: read, defaulted by
/// the identity's header, printed by check, named in a reload, and errors that name the key and the fix.</summary>
public sealed class IdentityDisplayConfigTests(TokenFiles files) : IClassFixture<TokenFiles>
{
    private static string Config(string listener, string top = "") => $$"""
        { "Usher": { {{top}}
            "Listeners": [ { "Name": "api", "Listen": "127.0.0.1:8080", "Backend": "127.0.0.1:9090", {{listener}} } ] } }
        """;

    [Fact]
    public void An_API_key_header_is_hashed_unless_the_listener_says_otherwise()
    {
        var hashed = ConfigText.Read(Config("\"Identity\": \"HttpHeader:X-Api-Key\"")).Listeners[0];
        var clear = ConfigText.Read(Config("\"Identity\": \"HttpHeader:X-Api-Key\", \"IdentityDisplay\": \"Clear\"")).Listeners[0];
        var user = ConfigText.Read(Config("\"Identity\": \"HttpHeader:X-User\"")).Listeners[0];
        var composite = ConfigText.Read(Config("\"Identity\": \"HttpHeader:x-auth-token+SourceIp\"")).Listeners[0];

        Assert.Equal(IdentityDisplay.Hash, hashed.IdentityDisplay);
        Assert.Equal(IdentityDisplay.Clear, clear.IdentityDisplay);
        Assert.Equal(IdentityDisplay.Clear, user.IdentityDisplay);
        Assert.Equal(IdentityDisplay.Hash, composite.IdentityDisplay);
    }

    [Theory]
    [InlineData("Hash", IdentityDisplay.Hash)]
    [InlineData("prefix", IdentityDisplay.Prefix)]
    [InlineData("CLEAR", IdentityDisplay.Clear)]
    public void The_display_is_read_without_regard_to_case(string text, IdentityDisplay display)
    {
        var listener = ConfigText.Read(Config($"\"Identity\": \"PostgresUser\", \"IdentityDisplay\": \"{text}\"")).Listeners[0];

        Assert.Equal(display, listener.IdentityDisplay);
    }

    [Fact]
    public void A_listener_inherits_the_display_from_Defaults()
    {
        var settings = ConfigText.Read("""
            { "Usher": { "Defaults": { "IdentityDisplay": "Prefix" },
                "Listeners": [ { "Listen": "127.0.0.1:6432", "Backend": "127.0.0.1:5432", "Identity": "PostgresUser" } ] } }
            """);

        Assert.Equal(IdentityDisplay.Prefix, settings.Listeners[0].IdentityDisplay);
    }

    [Theory]
    [InlineData("Masked")]
    [InlineData("1")]
    public void An_unknown_display_is_an_error_naming_the_key_and_the_choices(string text)
    {
        var error = ConfigText.Error(Config($"\"IdentityDisplay\": \"{text}\""));

        Assert.Equal("Usher:Listeners:0:IdentityDisplay", error.Key);
        Assert.Contains($"\"{text}\"", error.Problem, StringComparison.Ordinal);
        Assert.Contains("Clear, Hash, Prefix", error.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public void The_hash_key_is_read_from_its_file_trimmed_and_never_printed()
    {
        var settings = ConfigText.Read(Config("\"Identity\": \"HttpHeader:X-Api-Key\"", $"\"IdentityHashKeyFile\": \"{files.Good}\","));

        Assert.Equal(files.Good, settings.IdentityHashKeyFile);
        Assert.Equal(IdentityMask.KeyOf(TokenFiles.Token), settings.IdentityHashKey);
        var printed = SettingsPrinter.ToJson(settings);
        Assert.Contains($"\"IdentityHashKeyFile\": \"{files.Good}\"", printed, StringComparison.Ordinal);
        Assert.Contains("\"IdentityDisplay\": \"Hash\"", printed, StringComparison.Ordinal);
        Assert.DoesNotContain(TokenFiles.Token, printed, StringComparison.Ordinal);
    }

    [Fact]
    public void Without_a_key_file_a_key_drawn_at_start_serves_and_check_says_so()
    {
        var settings = ConfigText.Read(Config("\"Identity\": \"HttpHeader:X-Api-Key\""));

        Assert.Null(settings.IdentityHashKeyFile);
        Assert.Null(settings.IdentityHashKey);
        Assert.Contains("hashes change at each restart", SettingsPrinter.ToJson(settings), StringComparison.Ordinal);
    }

    [Fact]
    public void A_short_missing_or_empty_key_file_is_an_error_naming_the_key_and_how_to_make_one()
    {
        foreach (var (file, problem) in new[]
                 {
                     (files.TooShort, "fewer than 16"), (files.Missing, "cannot be read"), (files.Empty, "fewer than 16"), ("  ", "empty"),
                 })
        {
            var error = ConfigText.Error(Config("\"Identity\": \"HttpHeader:X-Api-Key\"", $"\"IdentityHashKeyFile\": \"{file}\","));

            Assert.Equal("Usher:IdentityHashKeyFile", error.Key);
            Assert.Contains(problem, error.Problem, StringComparison.Ordinal);
            Assert.Contains("openssl rand -hex 32", error.Fix, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void A_reload_names_a_changed_display_and_the_overrides_of_a_hidden_listener_as_shown()
    {
        const string Key = "sk_live_4eC39HqLyjWDarjtT1zdp7dc";
        var running = ConfigText.Read(Config($$"""
            "Identity": "HttpHeader:X-Api-Key", "Overrides": { "{{Key}}": 5 }
            """, $"\"IdentityHashKeyFile\": \"{files.Good}\","));
        var next = ConfigText.Read(Config($$"""
            "Identity": "HttpHeader:X-Api-Key", "IdentityDisplay": "Prefix", "Overrides": { "{{Key}}": 10 }
            """, $"\"IdentityHashKeyFile\": \"{files.Good}\","));

        var lines = ConfigChanges.Between(running, next).Describe();

        Assert.Contains("api: IdentityDisplay Hash → Prefix", lines);
        Assert.Contains("api: Overrides:sk_l… 5 → 10", lines);
        Assert.DoesNotContain(lines, l => l.Contains(Key, StringComparison.Ordinal));
    }

    [Fact]
    public void A_changed_key_file_needs_a_restart()
    {
        var running = ConfigText.Read(Config("\"Identity\": \"HttpHeader:X-Api-Key\"", $"\"IdentityHashKeyFile\": \"{files.Good}\","));
        var next = ConfigText.Read(Config("\"Identity\": \"HttpHeader:X-Api-Key\""));

        var lines = ConfigChanges.Between(running, next).Describe();

        Assert.Contains(lines, l => l.StartsWith("IdentityHashKeyFile", StringComparison.Ordinal) && l.Contains("needs a restart", StringComparison.Ordinal));
    }
}
