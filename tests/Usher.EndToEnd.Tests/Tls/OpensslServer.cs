using System.Net;
using Usher.Testing;

namespace Usher.EndToEnd.Tests.Tls;

/// <summary>A self-signed certificate for a.example and b.example (an EC P-256 key), made with <c>openssl req -x509</c>
/// in a scratch folder and deleted with it.</summary>
public sealed class TestCertificate : IAsyncLifetime
{
    /// <summary>The certificate's subject as OpenSSL prints it.</summary>
    public const string Subject = "CN = usher-e2e";

    private ScratchDirectory? _scratch;

    /// <summary>The PEM certificate.</summary>
    public string CertificatePath => _scratch!.File("cert.pem");

    /// <summary>The PEM private key.</summary>
    public string KeyPath => _scratch!.File("key.pem");

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        _scratch = ScratchDirectory.Create("tls");
        var made = await RunningProcess.RunAsync(Tools.Find("openssl"),
            ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
                "-subj", "/CN=usher-e2e", "-addext", "subjectAltName=DNS:a.example,DNS:b.example",
                "-keyout", KeyPath, "-out", CertificatePath],
            TimeSpan.FromSeconds(60));
        if (made.ExitCode != 0)
        {
            throw new InvalidOperationException($"openssl req failed: {made}");
        }
    }

    /// <inheritdoc />
    public Task DisposeAsync()
    {
        _scratch?.Dispose();
        return Task.CompletedTask;
    }
}

/// <summary>A TLS backend: <c>openssl s_server -accept 127.0.0.1:0 -cert -key</c> with its standard input held open
/// (at its end, s_server would stop). It serves one connection at a time, as s_server does: the next connection waits
/// in the accept queue, its handshake unanswered, until the one before ends.</summary>
public sealed class OpensslServer : IAsyncDisposable
{
    private readonly RunningProcess _server;

    private OpensslServer(RunningProcess server, IPEndPoint endPoint)
    {
        _server = server;
        EndPoint = endPoint;
    }

    /// <summary>Where the server listens.</summary>
    public IPEndPoint EndPoint { get; }

    /// <summary>Starts s_server with <paramref name="certificate"/> and waits until it accepts.</summary>
    public static async Task<OpensslServer> StartAsync(TestCertificate certificate)
    {
        var server = RunningProcess.Start(Tools.Find("openssl"),
            ["s_server", "-accept", "127.0.0.1:0", "-cert", certificate.CertificatePath, "-key", certificate.KeyPath],
            keepInputOpen: true);
        try
        {
            // "ACCEPT 127.0.0.1:PORT": the port the kernel chose.
            var accept = await server.WaitForLineAsync(l => l.StartsWith("ACCEPT 127.0.0.1:", StringComparison.Ordinal), EndToEnd.Soon);
            return new OpensslServer(server, IPEndPoint.Parse(accept["ACCEPT ".Length..]));
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>What s_server printed, for failure messages.</summary>
    public string Describe() => _server.Describe();

    /// <inheritdoc />
    public ValueTask DisposeAsync() => _server.DisposeAsync();
}
