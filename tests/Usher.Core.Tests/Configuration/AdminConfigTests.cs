using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Usher.Configuration;

namespace Usher.Core.Tests.Configuration;

/// <summary>The Admin section: where the admin endpoint listens and its bearer token; a token is required off
/// loopback, the token file is read when the configuration is, and errors name the file, the key and the fix.</summary>
public sealed class AdminConfigTests(TokenFiles tokens) : IClassFixture<TokenFiles>
{
    [Fact]
    public void Without_an_Admin_section_there_is_no_admin_endpoint()
    {
        var settings = ConfigText.Read("""{ "Usher": { "Listeners": [ { "Listen": "127.0.0.1:6432", "Backend": "127.0.0.1:5432" } ] } }""");

        Assert.Null(settings.Admin);
    }

    [Fact]
    public void A_loopback_admin_endpoint_needs_no_token()
    {
        var admin = ConfigText.Read(ConfigText.WithAdmin("""{ "Listen": "127.0.0.1:9646" }""")).Admin;

        Assert.NotNull(admin);
        Assert.Equal(new IPEndPoint(IPAddress.Loopback, 9646), admin.Listen);
        Assert.Null(admin.TokenFile);
        Assert.Null(admin.Token);
        Assert.False(admin.RequiresToken);
    }

    [Theory]
    [InlineData("[::1]:9646", "::1")]
    [InlineData("localhost:9646", "127.0.0.1")]
    public void IPv6_loopback_and_localhost_are_loopback_too(string listen, string address)
    {
        var admin = ConfigText.Read(ConfigText.WithAdmin($$"""{ "Listen": "{{listen}}" }""")).Admin;

        Assert.Equal(new IPEndPoint(IPAddress.Parse(address), 9646), admin!.Listen);
    }

    [Fact]
    public void The_token_is_read_from_its_file_and_trimmed()
    {
        var admin = ConfigText.Read(ConfigText.WithAdmin($$"""{ "Listen": "0.0.0.0:9646", "TokenFile": "{{tokens.Good}}" }""")).Admin;

        Assert.NotNull(admin);
        Assert.Equal(new IPEndPoint(IPAddress.Any, 9646), admin.Listen);
        Assert.Equal(tokens.Good, admin.TokenFile);
        Assert.Equal(TokenFiles.Token, admin.Token);
        Assert.True(admin.RequiresToken);
        Assert.DoesNotContain(TokenFiles.Token, admin.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_relative_token_file_starts_at_the_configuration_files_folder()
    {
        var json = ConfigText.WithAdmin("""{ "Listen": "127.0.0.1:9646", "TokenFile": "admin.token" }""");
        var configuration = new ConfigurationBuilder()
            .AddJsonStream(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(json))).Build();

        var admin = ConfigReader.Read(configuration, Path.Combine(tokens.Folder, "usher.json")).Admin;

        Assert.Equal(tokens.Good, admin!.TokenFile);
        Assert.Equal(TokenFiles.Token, admin.Token);
    }

    [Theory]
    [InlineData("0.0.0.0:9646")]
    [InlineData("*:9646")]
    [InlineData("[::]:9646")]
    [InlineData("10.0.0.7:9646")]
    public void An_address_other_than_loopback_without_a_token_is_refused(string listen)
    {
        var e = ConfigText.Error(ConfigText.WithAdmin($$"""{ "Listen": "{{listen}}" }"""));

        Assert.Equal(ConfigText.Source, e.Source);
        Assert.Equal("Usher:Admin:TokenFile", e.Key);
        Assert.Contains($"\"{listen}\" is not a loopback address", e.Problem, StringComparison.Ordinal);
        Assert.Contains("add a TokenFile", e.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_Listen_is_refused_with_an_example()
    {
        var e = ConfigText.Error(ConfigText.WithAdmin($$"""{ "TokenFile": "{{tokens.Good}}" }"""));

        Assert.Equal("Usher:Admin:Listen", e.Key);
        Assert.Equal("the key is missing", e.Problem);
        Assert.Contains("127.0.0.1:9646", e.Fix, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("9646", "is not host:port")]
    [InlineData("admin.internal:9646", "is not an IP address")]
    [InlineData("127.0.0.1:99999", "is not host:port")]
    public void A_bad_Listen_names_its_key(string listen, string problem)
    {
        var e = ConfigText.Error(ConfigText.WithAdmin($$"""{ "Listen": "{{listen}}" }"""));

        Assert.Equal("Usher:Admin:Listen", e.Key);
        Assert.Contains(problem, e.Problem, StringComparison.Ordinal);
        Assert.Contains("127.0.0.1:9646", e.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_key_inside_Admin_gets_did_you_mean()
    {
        var e = ConfigText.Error(ConfigText.WithAdmin("""{ "Listen": "127.0.0.1:9646", "TokenFle": "/etc/usher/admin.token" }"""));

        Assert.Equal("Usher:Admin:TokenFle", e.Key);
        Assert.Equal("unknown key", e.Problem);
        Assert.Equal("did you mean \"TokenFile\"?", e.Fix);
    }

    [Fact]
    public void Admin_written_as_a_string_is_refused()
    {
        var e = ConfigText.Error(ConfigText.WithAdmin("\"127.0.0.1:9646\""));

        Assert.Equal("Usher:Admin", e.Key);
        Assert.Contains("must be an object", e.Problem, StringComparison.Ordinal);
        Assert.Contains("\"Listen\"", e.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_token_file_is_named_with_how_to_make_one()
    {
        var e = ConfigText.Error(ConfigText.WithAdmin($$"""{ "Listen": "127.0.0.1:9646", "TokenFile": "{{tokens.Missing}}" }"""));

        Assert.Equal("Usher:Admin:TokenFile", e.Key);
        Assert.Contains($"\"{tokens.Missing}\" does not exist", e.Problem, StringComparison.Ordinal);
        Assert.Contains("openssl rand", e.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public void An_empty_token_file_is_refused()
    {
        var e = ConfigText.Error(ConfigText.WithAdmin($$"""{ "Listen": "0.0.0.0:9646", "TokenFile": "{{tokens.Empty}}" }"""));

        Assert.Equal("Usher:Admin:TokenFile", e.Key);
        Assert.Contains("is empty", e.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void A_short_token_is_refused_without_printing_it()
    {
        var e = ConfigText.Error(ConfigText.WithAdmin($$"""{ "Listen": "127.0.0.1:9646", "TokenFile": "{{tokens.TooShort}}" }"""));

        Assert.Equal("Usher:Admin:TokenFile", e.Key);
        Assert.Contains($"6 characters, fewer than {ConfigReader.MinTokenLength}", e.Problem, StringComparison.Ordinal);
        Assert.DoesNotContain("secret", e.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_token_an_Authorization_header_cannot_carry_is_refused_without_printing_it()
    {
        var e = ConfigText.Error(ConfigText.WithAdmin($$"""{ "Listen": "127.0.0.1:9646", "TokenFile": "{{tokens.TwoWords}}" }"""));

        Assert.Equal("Usher:Admin:TokenFile", e.Key);
        Assert.Contains("holds spaces", e.Problem, StringComparison.Ordinal);
        Assert.DoesNotContain("0123456789abcdef", e.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void The_admin_endpoint_cannot_share_a_listeners_address()
    {
        var e = ConfigText.Error(ConfigText.WithAdmin("""{ "Listen": "127.0.0.1:6432" }"""));

        Assert.Equal("Usher:Admin:Listen", e.Key);
        Assert.Contains("listener \"pg\"", e.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Environment_style_keys_set_the_admin_endpoint()
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Usher:Listeners:0:Listen"] = "127.0.0.1:6432",
                ["Usher:Listeners:0:Backend"] = "127.0.0.1:5432",
                ["Usher:Admin:Listen"] = "127.0.0.1:19646",
            }).Build();

        var admin = ConfigReader.Read(configuration, ConfigText.Source).Admin;

        Assert.Equal(19646, admin!.Listen.Port);
    }

    [Fact]
    public void Check_prints_the_Admin_section_but_never_the_token()
    {
        var settings = ConfigText.Read(ConfigText.WithAdmin($$"""{ "Listen": "0.0.0.0:9646", "TokenFile": "{{tokens.Good}}" }"""));

        var printed = SettingsPrinter.ToJson(settings);

        using var json = JsonDocument.Parse(printed);
        var admin = json.RootElement.GetProperty("Usher").GetProperty("Admin");
        Assert.Equal("0.0.0.0:9646", admin.GetProperty("Listen").GetString());
        Assert.Equal(tokens.Good, admin.GetProperty("TokenFile").GetString());
        Assert.DoesNotContain(TokenFiles.Token, printed, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_prints_Admin_as_null_when_there_is_none()
    {
        var settings = ConfigText.Read("""{ "Usher": { "Listeners": [ { "Listen": "127.0.0.1:6432", "Backend": "127.0.0.1:5432" } ] } }""");

        using var json = JsonDocument.Parse(SettingsPrinter.ToJson(settings));

        Assert.Equal(JsonValueKind.Null, json.RootElement.GetProperty("Usher").GetProperty("Admin").ValueKind);
    }
}
