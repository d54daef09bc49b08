namespace Usher.EndToEnd.Tests.Tls;

/// <summary>The TLS tests share one set of certificates; they run one after another.</summary>
[CollectionDefinition(Name)]
public sealed class TlsCollection : ICollectionFixture<TlsCertificates>
{
    /// <summary>The collection's name.</summary>
    public const string Name = "TLS";
}
