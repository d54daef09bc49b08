using System.Text;

namespace Usher.Protocols.Imap;

/// <summary>Reads an IMAP client's commands before login (the server speaks first; the gateway relays its greeting).
/// CAPABILITY, NOOP, ID and LOGOUT are complete commands to relay at once; STARTTLS ends what can be read; LOGIN and
/// AUTHENTICATE PLAIN (initial response on the same line, SASL-IR, or on the next line) are held until admission and
/// give the login. Any other command before login is invalid: relaying a command this reader does not understand
/// could let a login through uncounted. Commands are matched without regard to case.</summary>
/// <remarks>Give it every byte the client sent since the last settled point (the connection's start, or the end of a
/// held command the backend refused); it keeps no state. The gateway relays [already relayed, Forward) after each
/// call. Pre-login commands may not hold literals (an ID with a literal is invalid): the backend might refuse such a
/// command before its literal, and then read the literal's bytes as commands the reader never saw.</remarks>
public sealed class ImapLoginReader
{
    private const string NotAllowed = "command not allowed before login";
    private const string Malformed = "malformed command line";
    private const string LoginMalformed = "malformed LOGIN arguments";
    private const int MaxIdLine = 1024;
    private const int MaxQuotedLogin = 2 * HandshakeLimits.MaxIdentityBytes;

    private static readonly byte[] LiteralContinuation = "+ Ready\r\n"u8.ToArray();
    private static readonly byte[] EmptyChallenge = "+ \r\n"u8.ToArray();

    private readonly bool lowerCaseLogin;

    /// <summary>A reader.</summary>
    /// <param name="lowerCaseLogin">Lower-case ASCII letters of the login, as Dovecot does by default
    /// (<c>auth_username_format = %Lu</c>), so <c>Alice</c> and <c>alice</c> count as one user. False for servers
    /// whose logins are case-sensitive.</param>
    public ImapLoginReader(bool lowerCaseLogin = true) => this.lowerCaseLogin = lowerCaseLogin;

    /// <summary>Reads the client's commands from the start of <paramref name="received"/>.</summary>
    public ImapStep Read(ReadOnlySpan<byte> received)
    {
        var step = ReadCommands(received);
        return step.Kind is ImapStepKind.NeedMore or ImapStepKind.Reply && received.Length >= HandshakeLimits.MaxHandshakeBytes
            ? ImapStep.Invalid(HandshakeLimits.TooLarge)
            : step;
    }

    private ImapStep ReadCommands(ReadOnlySpan<byte> received)
    {
        var lexer = new ImapLexer(received, 0);
        while (true)
        {
            var start = lexer.Position;
            if (lexer.AtEnd)
            {
                return new ImapStep(ImapStepKind.NeedMore, start);
            }

            var parse = lexer.Tag(out var tagStart, out var tagLength);
            if (parse == ImapParse.Ok)
            {
                parse = lexer.Command(out var name);
                if (parse == ImapParse.Ok)
                {
                    var step = Command(ref lexer, name, start, tagStart, tagLength);
                    if (step is not { } s)
                    {
                        continue;
                    }

                    return s;
                }
            }

            return parse == ImapParse.NeedMore ? new ImapStep(ImapStepKind.NeedMore, start) : ImapStep.Invalid(Malformed);
        }
    }

    /// <summary>One command whose name has been read; null when it was a complete pre-login command to relay and
    /// reading goes on after it.</summary>
    private ImapStep? Command(ref ImapLexer lexer, ReadOnlySpan<byte> name, int start, int tagStart, int tagLength)
    {
        if (Ascii.EqualsIgnoreCase(name, "LOGIN"u8))
        {
            return Login(ref lexer, start, tagStart, tagLength);
        }

        if (Ascii.EqualsIgnoreCase(name, "AUTHENTICATE"u8))
        {
            return Authenticate(ref lexer, start, tagStart, tagLength);
        }

        var bare = Ascii.EqualsIgnoreCase(name, "CAPABILITY"u8) || Ascii.EqualsIgnoreCase(name, "NOOP"u8)
            || Ascii.EqualsIgnoreCase(name, "LOGOUT"u8);
        var startTls = !bare && Ascii.EqualsIgnoreCase(name, "STARTTLS"u8);
        ImapParse parse;
        if (bare || startTls)
        {
            parse = lexer.LineEnd();
        }
        else if (Ascii.EqualsIgnoreCase(name, "ID"u8))
        {
            parse = lexer.Space();
            if (parse == ImapParse.Ok)
            {
                parse = lexer.RestOfLine(MaxIdLine, out var argsStart, out var argsLength);
                if (parse == ImapParse.Ok && argsLength > 0 && lexer.Data[argsStart + argsLength - 1] == (byte)'}')
                {
                    return ImapStep.Invalid("literal in a pre-login command");
                }
            }
        }
        else
        {
            return ImapStep.Invalid(NotAllowed);
        }

        return parse switch
        {
            ImapParse.Ok when startTls => new ImapStep(ImapStepKind.StartTls, lexer.Position),
            ImapParse.Ok => null,
            ImapParse.NeedMore => new ImapStep(ImapStepKind.NeedMore, start),
            _ => ImapStep.Invalid(Malformed),
        };
    }

    /// <summary>LOGIN SP userid SP password CRLF, each an astring.</summary>
    private ImapStep Login(ref ImapLexer lexer, int start, int tagStart, int tagLength)
    {
        var user = default(ImapString);
        var parse = lexer.Space();
        if (parse == ImapParse.Ok)
        {
            parse = lexer.AString(HandshakeLimits.MaxIdentityBytes, out user);
            if (parse == ImapParse.Invalid && lexer.LiteralTooLong)
            {
                return ImapStep.Invalid("login longer than 256 bytes");
            }
        }

        if (parse == ImapParse.Ok)
        {
            parse = lexer.Space();
        }

        if (parse == ImapParse.Ok)
        {
            parse = lexer.AString(HandshakeLimits.MaxHandshakeBytes - lexer.Position, out _);
            if (parse == ImapParse.Invalid && lexer.LiteralTooLong)
            {
                return ImapStep.Invalid(HandshakeLimits.TooLarge);
            }
        }

        if (parse == ImapParse.Ok)
        {
            parse = lexer.LineEnd();
        }

        switch (parse)
        {
            case ImapParse.NeedMore:
                return new ImapStep(ImapStepKind.NeedMore, start);
            case ImapParse.NeedContinuation:
                return new ImapStep(ImapStepKind.Reply, start, Reply: LiteralContinuation);
            case ImapParse.Invalid:
                return ImapStep.Invalid(LoginMalformed);
        }

        var login = Login(lexer.Data, user, out var problem);
        return login is null
            ? ImapStep.Invalid(problem!)
            : Held(lexer, start, tagStart, tagLength, login, lexer.SyncLiterals);
    }

    /// <summary>AUTHENTICATE SP "PLAIN" [SP initial-response] CRLF [response CRLF].</summary>
    private ImapStep Authenticate(ref ImapLexer lexer, int start, int tagStart, int tagLength)
    {
        var parse = lexer.Space();
        if (parse == ImapParse.Ok && !lexer.AtEnd && lexer.Data[lexer.Position] is (byte)'"' or (byte)'{')
        {
            return ImapStep.Invalid("AUTHENTICATE mechanism other than PLAIN");
        }

        if (parse == ImapParse.Ok)
        {
            parse = lexer.AString(0, out var mechanism);
            if (parse == ImapParse.Ok && !Ascii.EqualsIgnoreCase(lexer.Data.Slice(mechanism.Start, mechanism.Length), "PLAIN"u8))
            {
                return ImapStep.Invalid("AUTHENTICATE mechanism other than PLAIN");
            }
        }

        var continuations = 0;
        if (parse == ImapParse.Ok)
        {
            if (!lexer.AtEnd && lexer.Data[lexer.Position] == (byte)' ')
            {
                lexer.Position++;
            }
            else
            {
                // No initial response: the server asks for it with an empty challenge, and the client sends it on
                // its own line.
                parse = lexer.LineEnd();
                continuations = 1;
                if (parse == ImapParse.Ok && lexer.AtEnd)
                {
                    return new ImapStep(ImapStepKind.Reply, start, Reply: EmptyChallenge);
                }
            }
        }

        var responseStart = 0;
        var responseLength = 0;
        if (parse == ImapParse.Ok)
        {
            parse = lexer.RestOfLine(ImapPlain.MaxResponse, out responseStart, out responseLength);
        }

        switch (parse)
        {
            case ImapParse.NeedMore:
                return new ImapStep(ImapStepKind.NeedMore, start);
            case ImapParse.Ok:
                break;
            default:
                return ImapStep.Invalid("malformed AUTHENTICATE PLAIN response");
        }

        var response = lexer.Data.Slice(responseStart, responseLength);
        if (response.SequenceEqual("*"u8))
        {
            return ImapStep.Invalid("AUTHENTICATE cancelled by the client");
        }

        var login = ImapPlain.AuthenticationIdentity(response, lowerCaseLogin, out var problem);
        return login is null
            ? ImapStep.Invalid(problem!)
            : Held(lexer, start, tagStart, tagLength, login, continuations);
    }

    private string? Login(ReadOnlySpan<byte> data, ImapString user, out string? problem)
    {
        problem = null;
        scoped var bytes = data.Slice(user.Start, user.Length);
        Span<byte> unescaped = stackalloc byte[MaxQuotedLogin];
        if (user.Escaped)
        {
            if (bytes.Length > MaxQuotedLogin)
            {
                problem = "login longer than 256 bytes";
                return null;
            }

            var n = 0;
            for (var i = 0; i < bytes.Length; i++)
            {
                var b = bytes[i];
                if (b == (byte)'\\')
                {
                    b = bytes[++i];
                }

                unescaped[n++] = b;
            }

            bytes = unescaped[..n];
        }

        var error = IdentityText.Check(bytes);
        if (error != IdentityTextError.None)
        {
            problem = IdentityText.Problem("login", error);
            return null;
        }

        return IdentityText.Decode(bytes, lowerCaseLogin);
    }

    private static ImapStep Held(ImapLexer lexer, int start, int tagStart, int tagLength, string login, int continuations) =>
        new(
            ImapStepKind.Login,
            start,
            lexer.Position - start,
            Encoding.ASCII.GetString(lexer.Data.Slice(tagStart, tagLength)),
            login,
            continuations);
}
