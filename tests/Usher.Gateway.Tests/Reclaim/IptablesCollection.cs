namespace Usher.Gateway.Tests.Reclaim;

/// <summary>Tests that change iptables run one at a time.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class IptablesCollection
{
    public const string Name = "iptables";
}
