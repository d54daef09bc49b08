namespace Usher.Core.Tests.Protocols.Support;

/// <summary>Runs a reader on many mutated and random inputs (and on a random prefix of each), reporting the seed,
/// the iteration and the input of any failure.</summary>
internal static class Fuzz
{
    /// <summary>Checks the answer for one input.</summary>
    public delegate void Check(ReadOnlySpan<byte> input);

    public const int Iterations = 100_000;

    public static void Run(int seed, IReadOnlyList<byte[]> seeds, Check check, int iterations = Iterations)
    {
        var mutator = new Mutator(seed, seeds);
        for (var i = 0; i < iterations; i++)
        {
            var input = mutator.Next();
            var prefix = input.Length == 0 ? 0 : mutator.Random.Next(input.Length);
            try
            {
                check(input);
                check(input.AsSpan(0, prefix));
            }
            catch (Exception e)
            {
                throw new InvalidOperationException(
                    $"seed {seed}, iteration {i}, input {Convert.ToHexString(input.AsSpan(0, Math.Min(input.Length, 2048)))}", e);
            }
        }
    }
}
