using Usher.Testing;

namespace Usher.Admin.Tests.Dashboard;

/// <summary>The dashboard's browser tests share one Chromium.</summary>
[CollectionDefinition(Name)]
public sealed class ChromiumCollection : ICollectionFixture<Chromium>
{
    public const string Name = "Chromium";
}
