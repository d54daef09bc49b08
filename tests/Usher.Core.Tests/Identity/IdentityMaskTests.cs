using System.Text;
using Usher.Identity;

namespace Usher.Core.Tests.Identity;

/// <summary>The forms an identity is shown in: as read, a keyed hash, or a short prefix; of a composite identity only
/// the first part is hidden.</summary>
public sealed class IdentityMaskTests
{
    private static readonly byte[] Key = Encoding.UTF8.GetBytes("0123456789abcdef0123456789abcdef");

    [Fact]
    public void Clear_shows_the_identity_as_read()
    {
        Assert.Equal("alice", new IdentityMask(IdentityDisplay.Clear, Key).Show("alice"));
        Assert.Equal("alice", IdentityMask.Clear.Show("alice"));
    }

    [Fact]
    public void A_hash_is_the_first_16_hex_digits_of_HMAC_SHA256_under_the_key()
    {
        // RFC 4231, test case 2.
        var mask = new IdentityMask(IdentityDisplay.Hash, Encoding.ASCII.GetBytes("Jefe"));

        Assert.Equal("hmac:5bdcc146bf60754e", mask.Show("what do ya want for nothing?"));
    }

    [Fact]
    public void A_hash_is_stable_for_one_key_and_differs_between_keys_and_values()
    {
        var mask = new IdentityMask(IdentityDisplay.Hash, Key);
        var other = new IdentityMask(IdentityDisplay.Hash, Encoding.UTF8.GetBytes("another key, another process...."));

        var shown = mask.Show("sk_live_4eC39HqLyjWDarjtT1zdp7dc");

        Assert.Equal(shown, new IdentityMask(IdentityDisplay.Hash, (byte[])Key.Clone()).Show("sk_live_4eC39HqLyjWDarjtT1zdp7dc"));
        Assert.NotEqual(shown, other.Show("sk_live_4eC39HqLyjWDarjtT1zdp7dc"));
        Assert.NotEqual(shown, mask.Show("sk_live_4eC39HqLyjWDarjtT1zdp7dd"));
        Assert.Matches("^hmac:[0-9a-f]{16}$", shown);
        Assert.DoesNotContain("sk_", shown, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("sk_live_4eC39HqLyjWDarjtT1zdp7dc", "sk_l…")]
    [InlineData("0123456789abcdef", "0123…")]
    [InlineData("abcdefghijkl", "abc…")]
    [InlineData("abcdefgh", "ab…")]
    [InlineData("abc", "…")]
    [InlineData("ключ-доступа-123", "ключ…")]
    [InlineData("😀😀😀😀😀😀😀😀", "😀😀…")]
    public void A_prefix_shows_at_most_four_characters_and_at_most_a_quarter_of_the_value(string identity, string shown)
    {
        Assert.Equal(shown, new IdentityMask(IdentityDisplay.Prefix, Key).Show(identity));
    }

    [Fact]
    public void Of_a_composite_identity_only_the_first_part_is_hidden()
    {
        var hash = new IdentityMask(IdentityDisplay.Hash, Key, composite: true);
        var prefix = new IdentityMask(IdentityDisplay.Prefix, Key, composite: true);
        var alone = new IdentityMask(IdentityDisplay.Hash, Key).Show("key@example.com-0123456789");

        Assert.Equal(alone + "@10.0.0.7", hash.Show("key@example.com-0123456789@10.0.0.7"));
        Assert.Equal("key@…@2001:db8::7", prefix.Show("key@example.com-0123456789@2001:db8::7"));
    }

    [Fact]
    public void A_hash_or_prefix_is_typed_as_shown_and_a_prefix_also_with_three_dots()
    {
        Assert.True(IdentityMask.Names("hmac:5bdcc146bf60754e", "hmac:5bdcc146bf60754e"));
        Assert.True(IdentityMask.Names("sk_l…", "sk_l…"));
        Assert.True(IdentityMask.Names("sk_l...", "sk_l…"));
        Assert.True(IdentityMask.Names("sk_l...@10.0.0.7", "sk_l…@10.0.0.7"));
        Assert.False(IdentityMask.Names("sk_live_4eC39HqLyjWDarjtT1zdp7dc", "sk_l…"));
        Assert.False(IdentityMask.Names("sk_l", "sk_l…"));
    }

    [Fact]
    public void A_session_identity_is_shown_as_its_value_unless_given_another_form()
    {
        var clear = new SessionIdentity(IdentityKind.PostgresUser, "alice");
        var hidden = new SessionIdentity(IdentityKind.HttpHeader, "sk_live_x") { Shown = "hmac:0011223344556677" };

        Assert.Equal("alice", clear.Shown);
        Assert.Equal("alice", clear.ToString());
        Assert.Equal("sk_live_x", hidden.Value);
        Assert.Equal("hmac:0011223344556677", hidden.Shown);
        Assert.Equal("hmac:0011223344556677", hidden.ToString());
    }

    [Fact]
    public void A_key_file_gives_its_trimmed_text_as_the_key_as_openssl_takes_it()
    {
        Assert.Equal(Key, IdentityMask.KeyOf(" 0123456789abcdef0123456789abcdef\n"));
    }
}
