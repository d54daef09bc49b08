namespace Usher.EndToEnd.Tests.Imap;

/// <summary>The tests that share one Dovecot; they run one after another.</summary>
[CollectionDefinition(Name)]
public sealed class DovecotCollection : ICollectionFixture<DovecotServer>
{
    /// <summary>The collection's name.</summary>
    public const string Name = "Dovecot";
}
