using Usher.Core.Tests.Protocols.Support;
using Usher.Protocols;
using Usher.Protocols.Imap;

namespace Usher.Core.Tests.Protocols.Imap;

public sealed class ImapLoginReaderTests
{
    private static readonly ImapLoginReader Reader = new();

    [Fact]
    public void ReadsTheLoginCurlSendsAfterRelayingItsCapabilityCommand()
    {
        var input = Captured.CurlImapLogin;
        var capability = "A001 CAPABILITY\r\n".Length;

        var step = Reader.Read(input);

        Assert.Equal(new ImapStep(ImapStepKind.Login, capability, input.Length - capability, "A002", "alice"), step);
    }

    [Fact]
    public void ReadsTheAuthenticatePlainCurlSendsWithAnInitialResponse()
    {
        var input = Captured.CurlImapAuthenticatePlain;
        var capability = "A001 CAPABILITY\r\n".Length;

        Assert.Equal(new ImapStep(ImapStepKind.Login, capability, input.Length - capability, "A002", "alice@example.com"), Reader.Read(input));
    }

    [Fact]
    public void AnswersAuthenticatePlainWithoutInitialResponseWithAnEmptyChallengeThenReadsTheNextLine()
    {
        var command = Bytes.Ascii("a1 AUTHENTICATE PLAIN\r\n");
        var response = Bytes.Ascii(Bytes.Base64("\0bob\0pw") + "\r\n");

        var first = Reader.Read(command);
        var second = Reader.Read(Bytes.Concat(command, response));

        Assert.Equal(ImapStepKind.Reply, first.Kind);
        Assert.Equal("+ \r\n"u8.ToArray(), first.Reply.ToArray());
        Assert.Equal(new ImapStep(ImapStepKind.Login, 0, command.Length + response.Length, "a1", "bob", Continuations: 1), second);
    }

    [Fact]
    public void CountsTheAuthenticationIdentityNotTheAuthorizationIdentity()
    {
        var input = Bytes.Ascii("x AUTHENTICATE PLAIN " + Bytes.Base64("admin\0carol\0pw") + "\r\n");

        Assert.Equal("carol", Reader.Read(input).User);
    }

    [Fact]
    public void AnswersEachSynchronizingLiteralOfALoginAndCountsThem()
    {
        byte[][] client = [Bytes.Ascii("a CAPABILITY\r\nb ID NIL\r\nc LOGIN {5}\r\n"), Bytes.Ascii("alice {6}\r\n"), Bytes.Ascii("secret\r\n")];

        var (final, relayed, replies) = ImapGatewaySimulation.Drive(Reader, client);

        Assert.Equal(["+ Ready\r\n", "+ Ready\r\n"], replies);
        Assert.Equal("a CAPABILITY\r\nb ID NIL\r\n", System.Text.Encoding.ASCII.GetString(relayed));
        Assert.Equal(new ImapStep(ImapStepKind.Login, relayed.Length, "c LOGIN {5}\r\nalice {6}\r\nsecret\r\n".Length, "c", "alice", 2), final);
    }

    [Fact]
    public void ReadsNonSynchronizingLiteralsWithoutAnswering()
    {
        var input = Bytes.Ascii("c LOGIN {5+}\r\nalice {6+}\r\nsecret\r\n");

        var step = Reader.Read(input);

        Assert.Equal(new ImapStep(ImapStepKind.Login, 0, input.Length, "c", "alice"), step);
        Assert.Equal(ImapStepKind.NeedMore, Reader.Read(input.AsSpan(0, 14)).Kind);
    }

    [Theory]
    [InlineData("t LOGIN \"al\\\\ice\\\"x\" pw\r\n", "al\\ice\"x")]
    [InlineData("t LOGIN \"\" pw\r\n", null)]
    [InlineData("t LOGIN bob \"p w\"\r\n", "bob")]
    [InlineData("t LOGIN \"bob@example.com\" \"\"\r\n", "bob@example.com")]
    [InlineData("t LOGIN j\u00fcrgen pw\r\n", "j\u00fcrgen")]
    [InlineData("t LOGIN ]bob[ pw\r\n", "]bob[")]
    public void ReadsAtomsAndQuotedStringsWithEscapes(string line, string? user)
    {
        var step = Reader.Read(Bytes.Utf8(line));

        Assert.Equal(user, step.User);
        Assert.Equal(user is null ? ImapStepKind.Invalid : ImapStepKind.Login, step.Kind);
    }

    [Fact]
    public void MatchesCommandsWithoutRegardToCaseAndLowerCasesLoginsUnlessToldNotTo()
    {
        var input = Bytes.Ascii("a capability\r\nb Login Alice pw\r\n");

        Assert.Equal("alice", Reader.Read(input).User);
        Assert.Equal("Alice", new ImapLoginReader(lowerCaseLogin: false).Read(input).User);
        Assert.Equal("bob", Reader.Read(Bytes.Ascii("c authenticate plain " + Bytes.Base64("\0BOB\0pw") + "\r\n")).User);
    }

    [Fact]
    public void RelaysCompletePreLoginCommandsAndWaitsForMore()
    {
        var input = Bytes.Ascii("1 CAPABILITY\r\n2 NOOP\r\n3 ID (\"name\" \"Thunderbird\" \"version\" \"128.0\")\r\n4 LOG");

        var step = Reader.Read(input);

        Assert.Equal(ImapStepKind.NeedMore, step.Kind);
        Assert.Equal(input.Length - "4 LOG".Length, step.Forward);
    }

    [Fact]
    public void AcceptsLinesEndingInLfAlone()
    {
        Assert.Equal("bob", Reader.Read(Bytes.Ascii("1 CAPABILITY\n2 LOGIN bob pw\n")).User);
    }

    [Fact]
    public void StopsAtStarttlsAfterWhichTheLoginCannotBeRead()
    {
        var input = Bytes.Concat(Bytes.Ascii("1 CAPABILITY\r\n2 STARTTLS\r\n"), Captured.CurlClientHello);

        Assert.Equal(new ImapStep(ImapStepKind.StartTls, "1 CAPABILITY\r\n2 STARTTLS\r\n".Length), Reader.Read(input));
    }

    [Fact]
    public void RelaysLogoutAndThenReadsOn()
    {
        Assert.Equal(new ImapStep(ImapStepKind.NeedMore, 10), Reader.Read(Bytes.Ascii("1 LOGOUT\r\n")));
    }

    [Theory]
    [InlineData("a SELECT INBOX\r\n", "command not allowed before login")]
    [InlineData("a ENABLE UTF8=ACCEPT\r\n", "command not allowed before login")]
    [InlineData("a XCLIENT ADDR=1.2.3.4\r\n", "command not allowed before login")]
    [InlineData("a ID {5}\r\n", "literal in a pre-login command")]
    [InlineData("a ID {5+}\r\n", "literal in a pre-login command")]
    [InlineData("a AUTHENTICATE SCRAM-SHA-256\r\n", "AUTHENTICATE mechanism other than PLAIN")]
    [InlineData("a AUTHENTICATE LOGIN\r\n", "AUTHENTICATE mechanism other than PLAIN")]
    [InlineData("a AUTHENTICATE \"PLAIN\"\r\n", "AUTHENTICATE mechanism other than PLAIN")]
    [InlineData("a AUTHENTICATE PLAIN\r\n*\r\n", "AUTHENTICATE cancelled by the client")]
    [InlineData("a AUTHENTICATE PLAIN =\r\n", "malformed AUTHENTICATE PLAIN response")]
    [InlineData("a AUTHENTICATE PLAIN AGJvYg==\r\n", "malformed AUTHENTICATE PLAIN response")]
    [InlineData("a AUTHENTICATE PLAIN AGJv Yg==\r\n", "malformed AUTHENTICATE PLAIN response")]
    [InlineData("a+ LOGIN bob pw\r\n", "malformed command line")]
    [InlineData("a  LOGIN bob pw\r\n", "malformed command line")]
    [InlineData(" LOGIN bob pw\r\n", "malformed command line")]
    [InlineData("a CAPABILITY \r\n", "malformed command line")]
    [InlineData("a CAPABILITY\rb LOGIN bob pw\r\n", "malformed command line")]
    [InlineData("a LOGIN bob\r\n", "malformed LOGIN arguments")]
    [InlineData("a LOGIN bob pw extra\r\n", "malformed LOGIN arguments")]
    [InlineData("a LOGIN (bob) pw\r\n", "malformed LOGIN arguments")]
    [InlineData("a LOGIN \"bob\\x\" pw\r\n", "malformed LOGIN arguments")]
    [InlineData("a LOGIN ~{3}\r\nbob pw\r\n", "malformed LOGIN arguments")]
    [InlineData("a LOGIN {}\r\n", "malformed LOGIN arguments")]
    [InlineData("a LOGIN {999999}\r\n", "malformed LOGIN arguments")]
    [InlineData("a LOGIN bob {3}\r\nx\ry\r\n", "malformed LOGIN arguments")]
    [InlineData("a LOGIN {3}\r\nb\0b pw\r\n", "malformed LOGIN arguments")]
    [InlineData("a LOGIN {257}\r\n", "login longer than 256 bytes")]
    [InlineData("a LOGIN bob {16380}\r\n", HandshakeLimits.TooLarge)]
    public void RefusesWhatItCannotLetThrough(string input, string problem)
    {
        Assert.Equal(ImapStep.Invalid(problem), Reader.Read(Bytes.Ascii(input)));
    }

    [Fact]
    public void RefusesAPasswordLiteralThatHidesCommandLines()
    {
        // If the backend refused the LOGIN before its literal, it would read these bytes as commands.
        var input = Bytes.Ascii("a LOGIN decoy {19}\r\nx\r\nb LOGIN bob pw\r\n\r\n");

        Assert.Equal(ImapStepKind.Invalid, Reader.Read(input).Kind);
    }

    [Fact]
    public void HoldsTheLoginAloneAndLeavesPipelinedCommandsAfterIt()
    {
        var login = Bytes.Ascii("a LOGIN bob pw\r\n");
        var step = Reader.Read(Bytes.Concat(login, Bytes.Ascii("b SELECT INBOX\r\nc LOGIN mallory x\r\n")));

        Assert.Equal(new ImapStep(ImapStepKind.Login, 0, login.Length, "a", "bob"), step);
    }

    [Fact]
    public void RefusesPreLoginChatterPast16KB()
    {
        var noops = Bytes.Ascii(string.Concat(Enumerable.Repeat("a NOOP\r\n", 2100)));

        Assert.Equal(ImapStep.Invalid(HandshakeLimits.TooLarge), Reader.Read(noops));
    }

    public static TheoryData<string> Scripts => new()
    {
        "A001 CAPABILITY\r\nA002 LOGIN alice \"Pw \\\"quoted\\\\\\\" Planted\"\r\n",
        "1 ID NIL\r\n2 LOGIN {5}\r\nalice {6}\r\nsecret\r\n",
        "1 NOOP\r\n2 AUTHENTICATE PLAIN\r\n" + Bytes.Base64("\0bob\0pw") + "\r\n",
        "1 AUTHENTICATE PLAIN " + Bytes.Base64("\0bob\0pw") + "\r\n",
        "1 CAPABILITY\r\n2 STARTTLS\r\n",
    };

    [Theory]
    [MemberData(nameof(Scripts))]
    public void NeedsMoreOrAContinuationAtEverySplitPointThenReadsTheSame(string script)
    {
        var input = Bytes.Ascii(script);
        var whole = Reader.Read(input);
        for (var i = 0; i < input.Length; i++)
        {
            var step = Reader.Read(input.AsSpan(0, i));
            Assert.True(step.Kind is ImapStepKind.NeedMore or ImapStepKind.Reply, $"prefix {i}: {step}");
            Assert.True(step.Forward <= whole.Forward, $"prefix {i}: {step}");
            if (step.Kind == ImapStepKind.Reply)
            {
                Assert.True(input[i - 1] == (byte)'\n' && (input[i - 3] == (byte)'}' || script[..i].EndsWith("PLAIN\r\n", StringComparison.Ordinal)));
            }
        }

        Assert.NotEqual(ImapStepKind.Invalid, whole.Kind);
        Assert.Equal(whole, Reader.Read(Bytes.Concat(input, Bytes.Ascii("z NOOP\r\n"))));
    }

    [Theory]
    [MemberData(nameof(Scripts))]
    public void GivesTheSameLoginAndRelaysTheSameBytesHoweverTheClientBytesAreChunked(string script)
    {
        var input = Bytes.Ascii(script);
        var expected = Reader.Read(input);
        var random = new Random(script.Length);
        for (var run = 0; run < 200; run++)
        {
            var (final, relayed, replies) = ImapGatewaySimulation.Drive(Reader, ImapGatewaySimulation.RandomChunks(input, random));

            Assert.Equal(expected, final);
            Assert.Equal(input.AsSpan(0, expected.Forward).ToArray(), relayed);
            Assert.True(replies.Count <= expected.Continuations);
        }
    }
}
