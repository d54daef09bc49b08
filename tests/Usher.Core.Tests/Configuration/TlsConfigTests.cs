using System.Text;
using Microsoft.Extensions.Configuration;
using Usher.Configuration;
using Usher.Identity;

namespace Usher.Core.Tests.Configuration;

/// <summary>The Tls section: its files are checked at load, errors name the file and the key, and the identity
/// kinds, policies and PROXY headers a terminating listener cannot serve are refused.</summary>
public sealed class TlsConfigTests(PemFiles pem) : IClassFixture<PemFiles>
{
    private string Tls(string? certificate = null, string? key = null, string extra = "") =>
        $$""" "Tls": { "Certificate": "{{certificate ?? pem.Certificate}}", "Key": "{{key ?? pem.Key}}"{{extra}} } """;

    private static string OneListener(string keys) => $$"""
        { "Usher": { "Listeners": [ { "Name": "tls", "Listen": "127.0.0.1:8443", "Backend": "127.0.0.1:8080", {{keys}} } ] } }
        """;

    [Fact]
    public void A_Tls_section_is_read_with_its_defaults()
    {
        var listener = ConfigText.Read(OneListener($$"""{{Tls()}}, "Identity": "TlsSni" """)).Listeners[0];

        Assert.NotNull(listener.Tls);
        Assert.Equal(pem.Certificate, listener.Tls.Certificate);
        Assert.Equal(pem.Key, listener.Tls.Key);
        Assert.Null(listener.Tls.ClientCa);
        Assert.False(listener.Tls.RequiresClientCertificate);
        Assert.Equal(ClientCertificateIdentity.SubjectCn, listener.Tls.ClientCertificateIdentity);
        Assert.Equal(IdentityKind.TlsSni, listener.Identity);
    }

    [Fact]
    public void TlsSni_without_Tls_still_means_passthrough()
    {
        var listener = ConfigText.Read(OneListener(""" "Identity": "TlsSni" """)).Listeners[0];

        Assert.Null(listener.Tls);
        Assert.Equal(IdentityKind.TlsSni, listener.Identity);
    }

    [Fact]
    public void A_client_certificate_identity_with_a_CA_is_read_and_printed()
    {
        var settings = ConfigText.Read(OneListener($$"""
            {{Tls(extra: $", \"ClientCa\": \"{pem.Certificate}\", \"ClientCertificateIdentity\": \"saNEmail\"")}},
            "Identity": "TlsClientCertificate+SourceIp"
            """));
        var listener = settings.Listeners[0];

        Assert.Equal(IdentityKind.TlsClientCertificate, listener.Identity);
        Assert.True(listener.IdentityWithSourceIp);
        Assert.Equal(pem.Certificate, listener.Tls!.ClientCa);
        Assert.Equal(ClientCertificateIdentity.SanEmail, listener.Tls.ClientCertificateIdentity);
        var printed = SettingsPrinter.ToJson(settings);
        Assert.Contains("\"ClientCertificateIdentity\": \"SanEmail\"", printed, StringComparison.Ordinal);
        Assert.Contains($"\"ClientCa\": \"{pem.Certificate}\"", printed, StringComparison.Ordinal);
    }

    [Fact]
    public void Tls_is_inherited_from_Defaults()
    {
        var settings = ConfigText.Read($$"""
            { "Usher": {
                "Defaults": { {{Tls()}} },
                "Listeners": [ { "Listen": "127.0.0.1:8443", "Backend": "127.0.0.1:8080" } ] } }
            """);

        Assert.Equal(pem.Certificate, settings.Listeners[0].Tls!.Certificate);
    }

    [Fact]
    public void A_relative_path_starts_at_the_configuration_file_folder()
    {
        var json = OneListener(""" "Tls": { "Certificate": "server.pem", "Key": "server.key" } """);
        var configuration = new ConfigurationBuilder().AddJsonStream(new MemoryStream(Encoding.UTF8.GetBytes(json))).Build();

        var settings = ConfigReader.Read(configuration, Path.Combine(pem.Folder, "usher.json"));

        Assert.Equal(pem.Certificate, settings.Listeners[0].Tls!.Certificate);
    }

    [Fact]
    public void A_missing_certificate_file_is_named_with_its_key()
    {
        var missing = Path.Combine(pem.Folder, "missing.pem");
        var e = ConfigText.Error(OneListener(Tls(certificate: missing)));

        Assert.Equal("Usher:Listeners:0:Tls:Certificate", e.Key);
        Assert.Contains(missing, e.Problem, StringComparison.Ordinal);
        Assert.Contains("does not exist", e.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void A_certificate_file_that_is_not_PEM_is_named_with_its_key()
    {
        var e = ConfigText.Error(OneListener(Tls(certificate: pem.NotPem)));

        Assert.Equal("Usher:Listeners:0:Tls:Certificate", e.Key);
        Assert.Contains(pem.NotPem, e.Problem, StringComparison.Ordinal);
        Assert.Contains("BEGIN CERTIFICATE", e.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public void A_key_of_another_certificate_is_refused_at_the_Key()
    {
        var e = ConfigText.Error(OneListener(Tls(key: pem.OtherKey)));

        Assert.Equal("Usher:Listeners:0:Tls:Key", e.Key);
        Assert.Contains(pem.OtherKey, e.Problem, StringComparison.Ordinal);
        Assert.Contains(pem.Certificate, e.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void An_encrypted_key_is_refused_with_the_command_that_decrypts_it()
    {
        var e = ConfigText.Error(OneListener(Tls(key: pem.EncryptedKey)));

        Assert.Equal("Usher:Listeners:0:Tls:Key", e.Key);
        Assert.Contains("encrypted", e.Problem, StringComparison.Ordinal);
        Assert.Contains("openssl pkey", e.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public void A_Tls_section_without_a_key_is_refused()
    {
        var e = ConfigText.Error(OneListener($$""" "Tls": { "Certificate": "{{pem.Certificate}}" } """));

        Assert.Equal("Usher:Listeners:0:Tls:Key", e.Key);
        Assert.Equal("the key is missing", e.Problem);
    }

    [Fact]
    public void A_misspelt_key_in_Tls_gets_a_suggestion()
    {
        var errors = ConfigText.Errors(OneListener($$""" "Tls": { "Certificat": "{{pem.Certificate}}", "Key": "{{pem.Key}}" } """));

        var unknown = Assert.Single(errors, e => e.Key == "Usher:Listeners:0:Tls:Certificat");
        Assert.Contains("\"Certificate\"", unknown.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_certificate_part_is_refused()
    {
        var e = ConfigText.Error(OneListener(Tls(extra: ", \"ClientCertificateIdentity\": \"Serial\"")));

        Assert.Equal("Usher:Listeners:0:Tls:ClientCertificateIdentity", e.Key);
        Assert.Contains("SubjectCn, SanDns, SanEmail", e.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public void TlsClientCertificate_without_Tls_is_refused_at_the_Identity()
    {
        var e = ConfigText.Error(OneListener(""" "Identity": "TlsClientCertificate" """));

        Assert.Equal("Usher:Listeners:0:Identity", e.Key);
        Assert.Contains("terminate TLS", e.Problem, StringComparison.Ordinal);
        Assert.Contains("ClientCa", e.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public void TlsClientCertificate_without_ClientCa_is_refused_at_the_Tls_section()
    {
        var e = ConfigText.Error(OneListener($$"""{{Tls()}}, "Identity": "TlsClientCertificate" """));

        Assert.Equal("Usher:Listeners:0:Tls:ClientCa", e.Key);
        Assert.Contains("ClientCa", e.Fix, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("PostgresUser")]
    [InlineData("HttpHeader:X-User")]
    [InlineData("MqttClientId+SourceIp")]
    [InlineData("MqttUsername")]
    [InlineData("ImapLogin")]
    public void Kinds_read_from_the_bytes_after_TLS_are_read_on_a_Tls_listener(string identity)
    {
        var listener = ConfigText.Read(OneListener($$"""{{Tls()}}, "Identity": "{{identity}}" """)).Listeners[0];

        Assert.NotNull(listener.Tls);
        Assert.Equal(identity.Split(':', '+')[0], listener.Identity.ToString());
    }

    [Fact]
    public void A_reclaim_policy_and_TrustedProxies_are_available_with_Tls()
    {
        var listener = ConfigText.Read(OneListener(
            $$"""{{Tls()}}, "OnLimit": "ReclaimDead", "TrustedProxies": [ "10.0.0.0/8" ], "Identity": "PostgresUser" """)).Listeners[0];

        Assert.Equal(OnLimitPolicy.ReclaimDead, listener.OnLimit);
        Assert.Single(listener.TrustedProxies);
    }

    [Fact]
    public void BackendTls_is_read_with_the_backends_host_as_its_default_server_name()
    {
        var listener = ConfigText.Read(OneListener($$""" "BackendTls": { "Ca": "{{pem.Certificate}}" } """)).Listeners[0];

        Assert.Equal(pem.Certificate, listener.BackendTls!.Ca);
        Assert.Equal(listener.BackendHost, listener.BackendTls.ServerName);
    }

    [Fact]
    public void BackendTls_true_is_refused_naming_the_CA_it_needs()
    {
        var e = ConfigText.Error(OneListener(""" "BackendTls": true """));

        Assert.Equal("Usher:Listeners:0:BackendTls", e.Key);
        Assert.Contains("\"Ca\"", e.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public void BackendTls_without_a_Ca_is_refused_at_its_Ca_key()
    {
        var e = ConfigText.Error(OneListener(""" "BackendTls": { "ServerName": "db.internal" } """));

        Assert.Equal("Usher:Listeners:0:BackendTls:Ca", e.Key);
    }
}
