using Microsoft.Extensions.Configuration;

namespace Usher.Configuration;

/// <summary>The <c>BackendTls</c> section: TLS towards the backend.</summary>
public sealed partial class ConfigReader
{
    private const string BackendTlsExample = """write e.g. "BackendTls": { "Ca": "/etc/usher/backend-ca.pem", "ServerName": "db.internal" }""";

    private BackendTlsSettings? ReadBackendTls(Layered layered, string? backendHost)
    {
        var section = layered.Pick("BackendTls").GetSection("BackendTls");
        if (!section.Exists())
        {
            return null;
        }

        if (section.Value is { Length: > 0 } text)
        {
            Error(section.Path, $"\"{text}\" must be an object naming the CA to trust (the system's trust store is not used)",
                BackendTlsExample);
            return null;
        }

        CheckKnownKeys(section, ConfigKeys.BackendTls);
        var ca = TlsFile(section, "Ca", required: true);
        if (ca is not null)
        {
            CheckCertificates(section, "Ca", ca);
        }

        var serverName = section["ServerName"];
        if (string.IsNullOrWhiteSpace(serverName))
        {
            serverName = backendHost;
        }

        return new BackendTlsSettings { Ca = ca ?? string.Empty, ServerName = serverName ?? string.Empty };
    }
}
