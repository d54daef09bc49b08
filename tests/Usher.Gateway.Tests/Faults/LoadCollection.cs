namespace Usher.Gateway.Tests.Faults;

/// <summary>Tests that flood sessions, hold a thousand connections or measure the process's memory run alone, after
/// the others: their figures are not blurred by other tests, and they do not slow other tests' timings.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class LoadCollection
{
    public const string Name = "load";
}
