using System.Security.Cryptography.X509Certificates;
using Usher.Testing;

namespace Usher.EndToEnd.Tests.Tls;

/// <summary>The test CA and certificates of <see cref="TestCertificates"/> as an xunit fixture: a CA; a server
/// certificate for localhost, a.example, b.example and 127.0.0.1; client certificates for alice and bob; mallory's
/// self-signed one that claims to be alice.</summary>
public sealed class TlsCertificates : IAsyncLifetime
{
    private TestCertificates? _made;

    private TestCertificates Made => _made ?? throw new InvalidOperationException("the certificates are not made yet");

    /// <summary>The folder holding the PEM files.</summary>
    public string Folder => Made.Folder;

    /// <summary>The CA certificate.</summary>
    public string CaPem => Made.CaPem;

    /// <summary>The gateway's certificate.</summary>
    public string ServerPem => Made.ServerPem;

    /// <summary>The gateway's key.</summary>
    public string ServerKey => Made.ServerKey;

    /// <summary>The CA, for clients that check the gateway's certificate.</summary>
    public X509Certificate2 Ca => Made.Ca;

    /// <summary>alice's client certificate, with its key.</summary>
    public X509Certificate2 Alice => Made.Alice;

    /// <summary>bob's client certificate, with its key.</summary>
    public X509Certificate2 Bob => Made.Bob;

    /// <summary>mallory's self-signed certificate (CN=alice), with its key.</summary>
    public X509Certificate2 Mallory => Made.Mallory;

    /// <summary>The full path of a file in <see cref="Folder"/>.</summary>
    public string File(string name) => Made.File(name);

    /// <inheritdoc />
    public async Task InitializeAsync() => _made = await TestCertificates.CreateAsync();

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        if (_made is not null)
        {
            await _made.DisposeAsync();
        }
    }
}
