namespace Usher.EndToEnd.Tests.Soak;

/// <summary>The soak measures the process's descriptors and memory: it runs alone, after the parallel tests.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SoakCollection
{
    public const string Name = "soak";
}
