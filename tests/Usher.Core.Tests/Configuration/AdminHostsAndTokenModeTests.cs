using Usher.Configuration;

namespace Usher.Core.Tests.Configuration;

/// <summary><c>Admin:AllowedHosts</c> (the names the endpoint answers beyond its address and loopback) and the
/// warning about a token file its group or others can read.</summary>
public sealed class AdminHostsAndTokenModeTests(TokenFiles tokens) : IClassFixture<TokenFiles>
{
    [Fact]
    public void AllowedHosts_are_read_lower_case_without_a_trailing_dot_and_default_to_none()
    {
        var none = ConfigText.Read(ConfigText.WithAdmin("""{ "Listen": "127.0.0.1:9646" }""")).Admin!;
        var some = ConfigText.Read(ConfigText.WithAdmin("""{ "Listen": "127.0.0.1:9646", "AllowedHosts": [ "Usher.Internal.", "10.0.0.5", "[fd00::5]" ] }""")).Admin!;

        Assert.Empty(none.AllowedHosts);
        Assert.Equal(["usher.internal", "10.0.0.5", "fd00::5"], some.AllowedHosts);
    }

    [Theory]
    [InlineData("""[ "usher.internal:9646" ]""", "Usher:Admin:AllowedHosts:0", "is not a host name")]
    [InlineData("""[ "http://usher.internal" ]""", "Usher:Admin:AllowedHosts:0", "is not a host name")]
    [InlineData("""[ "*" ]""", "Usher:Admin:AllowedHosts:0", "is not a host name")]
    [InlineData("\"usher.internal\"", "Usher:Admin:AllowedHosts", "must be a list")]
    public void An_allowed_host_with_a_port_a_scheme_or_a_wildcard_is_named(string hosts, string key, string problem)
    {
        var error = ConfigText.Error(ConfigText.WithAdmin($$"""{ "Listen": "127.0.0.1:9646", "AllowedHosts": {{hosts}} }"""));

        Assert.Equal(key, error.Key);
        Assert.Contains(problem, error.Problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(UnixFileMode.UserRead | UnixFileMode.UserWrite, false)]
    [InlineData(UnixFileMode.UserRead, false)]
    [InlineData(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead, true)]
    [InlineData(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead, true)]
    [InlineData(UnixFileMode.UserRead | UnixFileMode.GroupWrite, true)]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void A_token_file_its_group_or_others_can_use_is_warned_about_with_chmod_600(UnixFileMode mode, bool warned)
    {
        var file = Path.Combine(tokens.Folder, $"mode-{(int)mode}.token");
        File.WriteAllText(file, TokenFiles.Token);
        File.SetUnixFileMode(file, mode);
        var settings = ConfigText.Read(ConfigText.WithAdmin($$"""{ "Listen": "127.0.0.1:9646", "TokenFile": "{{file}}" }"""));

        var warnings = ConfigWarnings.Of(settings);

        if (!warned)
        {
            Assert.Empty(warnings);
            return;
        }

        var warning = Assert.Single(warnings);
        Assert.Equal("Usher:Admin:TokenFile", warning.Key);
        Assert.Equal(ConfigText.Source, warning.Source);
        Assert.Contains($"\"{file}\" has mode 0{Convert.ToString((int)mode, 8)}", warning.Problem, StringComparison.Ordinal);
        Assert.Equal($"chmod 600 {file} (readable by the user Usher runs as alone)", warning.Fix);
    }

    [Fact]
    public void Without_a_token_file_there_is_nothing_to_warn_about()
    {
        Assert.Empty(ConfigWarnings.Of(ConfigText.Read(ConfigText.WithAdmin("""{ "Listen": "127.0.0.1:9646" }"""))));
    }
}
