using Usher.Ledger;

namespace Usher.Core.Tests.Ledger;

public sealed class UnconfirmedClaimsTests
{
    [Fact]
    public void ClaimsOfOneIdentityStopAtTheLimitAndOthersAreApart()
    {
        var claims = new UnconfirmedClaims();

        Assert.True(claims.TryClaim("alice", 2, out var first));
        Assert.True(claims.TryClaim("alice", 2, out var second));
        Assert.False(claims.TryClaim("alice", 2, out var refused));
        Assert.True(claims.TryClaim("bob", 2, out var bob));

        Assert.Equal((1, 2, 2, 1), (first, second, refused, bob));
        Assert.Equal(3, claims.Total);
    }

    [Fact]
    public void AReleasedClaimMakesRoomAndTheLastOneForgetsTheIdentity()
    {
        var claims = new UnconfirmedClaims();
        claims.TryClaim("alice", 1, out _);

        claims.Release("alice");

        Assert.Equal(0, claims.Count("alice"));
        Assert.Equal(0, claims.Total);
        Assert.True(claims.TryClaim("alice", 1, out var count));
        Assert.Equal(1, count);
    }

    [Fact]
    public void ReleasingAClaimNotHeldIsAnError()
    {
        Assert.Throws<InvalidOperationException>(() => new UnconfirmedClaims().Release("alice"));
    }

    [Fact]
    public void ConcurrentClaimsNeverExceedTheLimitAndAllComeBack()
    {
        var claims = new UnconfirmedClaims();
        var peak = 0;
        Parallel.For(0, 20_000, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i =>
        {
            var identity = (i % 3).ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (claims.TryClaim(identity, 4, out var count))
            {
                InterlockedMax(ref peak, count);
                claims.Release(identity);
            }
        });

        Assert.InRange(peak, 1, 4);
        Assert.Equal(0, claims.Total);
        Assert.Equal(0, claims.Count("0"));
    }

    private static void InterlockedMax(ref int target, int value)
    {
        var current = Volatile.Read(ref target);
        while (value > current)
        {
            var seen = Interlocked.CompareExchange(ref target, value, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }
}
