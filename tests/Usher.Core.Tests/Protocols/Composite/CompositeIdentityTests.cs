using System.Net;
using Usher.Protocols.Composite;

namespace Usher.Core.Tests.Protocols.Composite;

public sealed class CompositeIdentityTests
{
    [Theory]
    [InlineData("alice", "10.0.0.7", "alice@10.0.0.7")]
    [InlineData("alice@example.com", "10.0.0.7", "alice@example.com@10.0.0.7")]
    [InlineData("alice", "::ffff:10.0.0.7", "alice@10.0.0.7")]
    [InlineData("alice", "2001:db8::7", "alice@2001:db8::7")]
    public void JoinsALoginAndAnAddressTheWayDovecotCountsUserAndIp(string login, string address, string expected)
    {
        Assert.Equal(expected, CompositeIdentity.Join(login, IPAddress.Parse(address)));
    }

    [Fact]
    public void EscapesSeparatorsInTheSecondPartSoTheLastOneAlwaysSplits()
    {
        var joined = CompositeIdentity.Join("a@b", "c@d%40");

        Assert.Equal("a@b@c%40d%2540", joined);
        Assert.True(CompositeIdentity.TrySplit(joined, out var first, out var second));
        Assert.Equal(("a@b", "c@d%40"), (first, second));
    }

    [Fact]
    public void RoundTripsRandomPartsAndNeverJoinsTwoPairsIntoOneIdentity()
    {
        var random = new Random(11);
        const string Alphabet = "ab@%4025";
        var seen = new Dictionary<string, (string, string)>();
        for (var i = 0; i < 20_000; i++)
        {
            var first = RandomText(random, Alphabet);
            var second = RandomText(random, Alphabet);
            var joined = CompositeIdentity.Join(first, second);

            Assert.True(CompositeIdentity.TrySplit(joined, out var a, out var b));
            Assert.Equal((first, second), (a, b));
            if (seen.TryGetValue(joined, out var earlier))
            {
                Assert.Equal(earlier, (first, second));
            }

            seen[joined] = (first, second);
        }
    }

    [Fact]
    public void DoesNotSplitAPlainIdentity()
    {
        Assert.False(CompositeIdentity.TrySplit("10.0.0.7", out _, out _));
    }

    private static string RandomText(Random random, string alphabet) =>
        new([.. Enumerable.Range(0, random.Next(6)).Select(_ => alphabet[random.Next(alphabet.Length)])]);
}
