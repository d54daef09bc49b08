using System.Text;
using Usher.Protocols.Imap;

namespace Usher.Core.Tests.Protocols.Imap;

/// <summary>The filter of the backend's lines before login: what reaches the client, which answer is the login's,
/// however the bytes are split.</summary>
public sealed class ImapBackendLinesTests
{
    [Fact]
    public void The_greeting_and_untagged_lines_pass_unchanged()
    {
        var lines = new ImapBackendLines();
        var (output, answer) = Run(lines, "* OK [CAPABILITY IMAP4rev1] ready\r\n* CAPABILITY IMAP4rev1\r\n");
        Assert.Equal("* OK [CAPABILITY IMAP4rev1] ready\r\n* CAPABILITY IMAP4rev1\r\n", output);
        Assert.Equal(ImapAnswer.None, answer);
    }

    [Fact]
    public void Tagged_answers_to_forwarded_commands_are_counted_off_and_passed()
    {
        var lines = new ImapBackendLines();
        lines.Forwarded(2);
        var (output, _) = Run(lines, "* CAPABILITY IMAP4rev1\r\na OK done\r\nb OK done\r\n");
        Assert.Equal("* CAPABILITY IMAP4rev1\r\na OK done\r\nb OK done\r\n", output);
        Assert.Equal(0, lines.Outstanding);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(1000)]
    public void The_backends_continuations_are_dropped_and_its_OK_settles_the_login_in_any_split(int piece)
    {
        var lines = new ImapBackendLines();
        lines.Await("L1", 2);
        var (output, answer) = Run(lines, "+ OK\r\n+ OK\r\nL1 OK [CAPABILITY IMAP4rev1] Logged in\r\n* 1 EXISTS\r\n+ later\r\n", piece);
        Assert.Equal("L1 OK [CAPABILITY IMAP4rev1] Logged in\r\n* 1 EXISTS\r\n+ later\r\n", output);
        Assert.Equal(ImapAnswer.Ok, answer);
    }

    [Theory]
    [InlineData("L1 NO [AUTHENTICATIONFAILED] Authentication failed.\r\n")]
    [InlineData("L1 BAD syntax\r\n")]
    [InlineData("L1 NOPE\r\n")]
    [InlineData("L1 \r\n")]
    public void Anything_but_OK_is_a_failed_login(string line)
    {
        var lines = new ImapBackendLines();
        lines.Await("L1", 0);
        var (output, answer) = Run(lines, line + "* note\r\n");
        Assert.Equal(line + "* note\r\n", output);
        Assert.Equal(ImapAnswer.Failed, answer);
        Assert.False(lines.Awaiting);
    }

    [Fact]
    public void Only_the_held_tag_settles_the_login_and_status_words_ignore_case()
    {
        var lines = new ImapBackendLines();
        lines.Await("a", 0);
        var (output, answer) = Run(lines, "ab OK other\r\n* a OK untagged\r\na ok logged in\r\n");
        Assert.Equal("ab OK other\r\n* a OK untagged\r\na ok logged in\r\n", output);
        Assert.Equal(ImapAnswer.Ok, answer);
    }

    [Fact]
    public void Continuation_requests_beyond_those_answered_by_the_gateway_pass()
    {
        var lines = new ImapBackendLines();
        Assert.Equal("+ before\r\n", Run(lines, "+ before\r\n").Output);
        lines.Await("x", 1);
        Assert.Equal("+ second\r\n", Run(lines, "+ first\r\n+ second\r\n").Output);
    }

    [Fact]
    public void An_earlier_answer_with_the_same_tag_is_counted_off_before_the_login_is_awaited()
    {
        var lines = new ImapBackendLines();
        lines.Forwarded(1);
        var (_, early) = Run(lines, "X OK capability\r\n");
        Assert.Equal(ImapAnswer.None, early);
        lines.Await("X", 0);
        Assert.Equal(ImapAnswer.Failed, Run(lines, "X NO bad password\r\n").Answer);
    }

    /// <summary>Feeds <paramref name="text"/> in pieces of <paramref name="piece"/> bytes, as reads would bring it;
    /// after an OK the rest of the piece is kept and later pieces are the relay's (passed as they are).</summary>
    private static (string Output, ImapAnswer Answer) Run(ImapBackendLines lines, string text, int piece = 1000)
    {
        var bytes = Encoding.ASCII.GetBytes(text);
        var output = new StringBuilder();
        var answer = ImapAnswer.None;
        for (var i = 0; i < bytes.Length; i += piece)
        {
            var chunk = bytes.AsSpan(i, Math.Min(piece, bytes.Length - i)).ToArray();
            if (answer == ImapAnswer.Ok)
            {
                output.Append(Encoding.ASCII.GetString(chunk));
                continue;
            }

            var kept = lines.Filter(chunk, out var seen);
            output.Append(Encoding.ASCII.GetString(chunk, 0, kept));
            if (seen != ImapAnswer.None)
            {
                answer = seen;
            }
        }

        return (output.ToString(), answer);
    }
}
