using System.Text;
using Usher.Protocols.Imap;

namespace Usher.Core.Tests.Protocols.Imap;

public sealed class ImapRefusalTests
{
    [Fact]
    public void AnswersTheHeldCommandWithATaggedNoUnavailable()
    {
        Assert.Equal("A002 NO [UNAVAILABLE] Too many sessions for this user, try again later\r\n", Text(ImapRefusal.TaggedNo("A002")));
        Assert.Equal("a1 NO [UNAVAILABLE] busy\r\n", Text(ImapRefusal.TaggedNo("a1", "busy")));
    }

    [Fact]
    public void SaysByeUnavailableUntagged()
    {
        Assert.Equal("* BYE [UNAVAILABLE] Too many sessions for this user, try again later\r\n", Text(ImapRefusal.Bye()));
    }

    [Fact]
    public void KeepsTheTextOnOneLine()
    {
        Assert.Equal("* BYE [UNAVAILABLE] a  b\r\n", Text(ImapRefusal.Bye("a\r\nb")));
        Assert.Equal("t NO [UNAVAILABLE] " + ImapRefusal.DefaultText + "\r\n", Text(ImapRefusal.TaggedNo("t", "\r\n")));
    }

    [Theory]
    [InlineData("")]
    [InlineData("a b")]
    [InlineData("a+")]
    [InlineData("a\r\n* OK")]
    public void RefusesATagThatIsNotAnImapTag(string tag)
    {
        Assert.Throws<ArgumentException>(() => ImapRefusal.TaggedNo(tag));
    }

    private static string Text(byte[] bytes) => Encoding.UTF8.GetString(bytes);
}
