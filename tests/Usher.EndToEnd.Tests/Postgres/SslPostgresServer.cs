using Usher.EndToEnd.Tests.Tls;

namespace Usher.EndToEnd.Tests.Postgres;

/// <summary>A PostgreSQL server that requires SSL (ssl=on, <c>hostssl</c> lines only in pg_hba.conf), its certificate
/// (for localhost and 127.0.0.1) issued by a test CA of its own.</summary>
public sealed class SslPostgresServer : IAsyncLifetime
{
    /// <summary>The CA and the server's certificate.</summary>
    public TlsCertificates Certificates { get; } = new();

    /// <summary>The server.</summary>
    public PostgresServer Server { get; private set; } = null!;

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        await Certificates.InitializeAsync();
        Server = new PostgresServer { SslCertificate = Certificates.ServerPem, SslKey = Certificates.ServerKey };
        await Server.InitializeAsync();
    }

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        if (Server is not null)
        {
            await Server.DisposeAsync();
        }

        await Certificates.DisposeAsync();
    }
}
