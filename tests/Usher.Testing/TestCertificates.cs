using System.Security.Cryptography.X509Certificates;
namespace Usher.Testing;

/// <summary>Certificates made with openssl for TLS tests (a test CA of their own), in a folder of their own: a CA; a server certificate
/// for localhost, a.example, b.example and 127.0.0.1 signed by it; client certificates for alice and bob signed by it;
/// and mallory's self-signed certificate, which claims to be alice (CN=alice) but was never signed by the CA.</summary>
public sealed class TestCertificates : IAsyncDisposable
{
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(60);

    /// <summary>The folder holding the PEM files.</summary>
    public string Folder { get; } = Path.Combine(Path.GetTempPath(), $"usher-tls-{Environment.ProcessId}-{Guid.NewGuid():N}");

    /// <summary>The CA certificate.</summary>
    public string CaPem => File("ca.pem");

    /// <summary>The gateway's certificate.</summary>
    public string ServerPem => File("server.pem");

    /// <summary>The gateway's key.</summary>
    public string ServerKey => File("server.key");

    /// <summary>The full path of a file in <see cref="Folder"/>.</summary>
    public string File(string name) => Path.Combine(Folder, name);

    /// <summary>The CA, for clients that check the gateway's certificate.</summary>
    public X509Certificate2 Ca { get; private set; } = null!;

    /// <summary>alice's client certificate, with its key.</summary>
    public X509Certificate2 Alice { get; private set; } = null!;

    /// <summary>bob's client certificate, with its key.</summary>
    public X509Certificate2 Bob { get; private set; } = null!;

    /// <summary>mallory's self-signed certificate (CN=alice), with its key.</summary>
    public X509Certificate2 Mallory { get; private set; } = null!;

    /// <summary>Makes the CA and the certificates.</summary>
    public static async Task<TestCertificates> CreateAsync()
    {
        var made = new TestCertificates();
        try
        {
            await made.MakeAsync();
            return made;
        }
        catch
        {
            await made.DisposeAsync();
            throw;
        }
    }

    private async Task MakeAsync()
    {
        Directory.CreateDirectory(Folder);
        await OpenSslAsync("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-keyout", File("ca.key"), "-out", CaPem, "-days", "2", "-subj", "/CN=Usher Test CA",
            "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign");
        await SignedAsync("server", "/CN=localhost",
            "subjectAltName=DNS:localhost,DNS:a.example,DNS:b.example,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n");
        await SignedAsync("alice", "/CN=alice", "subjectAltName=DNS:alice.clients.example,email:alice@example.com\nextendedKeyUsage=clientAuth\n");
        await SignedAsync("bob", "/CN=bob", "subjectAltName=DNS:bob.clients.example,email:bob@example.com\nextendedKeyUsage=clientAuth\n");
        await OpenSslAsync("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-keyout", File("mallory.key"), "-out", File("mallory.pem"), "-days", "2", "-subj", "/CN=alice",
            "-addext", "extendedKeyUsage=clientAuth");

        Ca = X509CertificateLoader.LoadCertificateFromFile(CaPem);
        Alice = WithKey("alice");
        Bob = WithKey("bob");
        Mallory = WithKey("mallory");
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        Ca?.Dispose();
        Alice?.Dispose();
        Bob?.Dispose();
        Mallory?.Dispose();
        if (Directory.Exists(Folder))
        {
            Directory.Delete(Folder, recursive: true);
        }

        return ValueTask.CompletedTask;
    }

    private async Task SignedAsync(string name, string subject, string extensions)
    {
        var ext = File(name + ".ext");
        await System.IO.File.WriteAllTextAsync(ext, extensions);
        await OpenSslAsync("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-keyout", File(name + ".key"), "-out", File(name + ".csr"), "-subj", subject);
        await OpenSslAsync("x509", "-req", "-in", File(name + ".csr"), "-CA", CaPem, "-CAkey", File("ca.key"),
            "-set_serial", Random.Shared.NextInt64(1, long.MaxValue).ToString(), "-days", "2",
            "-extfile", ext, "-out", File(name + ".pem"));
    }

    /// <summary>A certificate and its key as SslStream wants them (a PKCS#12 round trip gives a usable key).</summary>
    private X509Certificate2 WithKey(string name)
    {
        using var pem = X509Certificate2.CreateFromPemFile(File(name + ".pem"), File(name + ".key"));
        return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), password: null);
    }

    private static async Task OpenSslAsync(params string[] arguments)
    {
        var result = await RunningProcess.RunAsync(Tools.Find("openssl"), arguments, CommandTimeout);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"openssl {string.Join(' ', arguments)} failed: {result}");
        }
    }
}
