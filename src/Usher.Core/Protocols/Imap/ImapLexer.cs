namespace Usher.Protocols.Imap;

/// <summary>The pieces of an IMAP command line (RFC 9051 9 / RFC 3501 9): tags, atoms, quoted strings with
/// <c>\"</c> and <c>\\</c> escapes, literals <c>{n}</c> and <c>{n+}</c>, line ends. A line ends at LF, with or
/// without the CR before it (as common servers accept); a CR anywhere else is invalid. Every method leaves
/// <see cref="Position"/> after what it read when it returns <see cref="ImapParse.Ok"/>.</summary>
internal ref struct ImapLexer(ReadOnlySpan<byte> data, int position)
{
    internal const int MaxTag = 64;
    private const int MaxLiteralDigits = 5;

    private readonly ReadOnlySpan<byte> data = data;

    public int Position = position;

    public readonly bool AtEnd => Position >= data.Length;

    public readonly ReadOnlySpan<byte> Data => data;

    /// <summary>Synchronizing literals read so far.</summary>
    public int SyncLiterals;

    /// <summary>Set when a literal announced more bytes than allowed.</summary>
    public bool LiteralTooLong;

    /// <summary>tag = 1*&lt;ASTRING-CHAR except "+"&gt;, then SP.</summary>
    public ImapParse Tag(out int start, out int length)
    {
        start = Position;
        length = 0;
        while (Position < data.Length && IsTagChar(data[Position]))
        {
            Position++;
        }

        length = Position - start;
        if (length > MaxTag)
        {
            return ImapParse.Invalid;
        }

        return Space(length > 0);
    }

    /// <summary>A command name: letters, then SP or a line end (not consumed).</summary>
    public ImapParse Command(out ReadOnlySpan<byte> name)
    {
        const int MaxCommand = 16;
        var start = Position;
        while (Position < data.Length && char.IsAsciiLetter((char)data[Position]) && Position - start <= MaxCommand)
        {
            Position++;
        }

        name = data[start..Position];
        if (name.Length > MaxCommand)
        {
            return ImapParse.Invalid;
        }

        return AtEnd ? ImapParse.NeedMore : name.IsEmpty ? ImapParse.Invalid : ImapParse.Ok;
    }

    /// <summary>Exactly one SP (when <paramref name="valid"/> so far).</summary>
    public ImapParse Space(bool valid = true)
    {
        if (!valid)
        {
            return AtEnd ? ImapParse.NeedMore : ImapParse.Invalid;
        }

        if (AtEnd)
        {
            return ImapParse.NeedMore;
        }

        if (data[Position] != (byte)' ')
        {
            return ImapParse.Invalid;
        }

        Position++;
        return ImapParse.Ok;
    }

    /// <summary>LF, or CR LF.</summary>
    public ImapParse LineEnd()
    {
        if (AtEnd)
        {
            return ImapParse.NeedMore;
        }

        if (data[Position] == (byte)'\n')
        {
            Position++;
            return ImapParse.Ok;
        }

        if (data[Position] != (byte)'\r')
        {
            return ImapParse.Invalid;
        }

        if (Position + 1 >= data.Length)
        {
            return ImapParse.NeedMore;
        }

        if (data[Position + 1] != (byte)'\n')
        {
            return ImapParse.Invalid;
        }

        Position += 2;
        return ImapParse.Ok;
    }

    /// <summary>The rest of a line, up to its line end (consumed): no NUL, no CR but the one before LF.</summary>
    public ImapParse RestOfLine(int maxLength, out int start, out int length)
    {
        start = Position;
        length = 0;
        var lf = data[Position..].IndexOf((byte)'\n');
        var content = lf < 0 ? data[Position..] : data.Slice(Position, lf);
        if (content.Length > 0 && content[^1] == (byte)'\r')
        {
            // The CR of the line end (or, while LF has not arrived, its first half).
            content = content[..^1];
        }

        if (content.Length > maxLength || content.IndexOfAny((byte)0, (byte)'\r') >= 0)
        {
            return ImapParse.Invalid;
        }

        if (lf < 0)
        {
            return ImapParse.NeedMore;
        }

        length = content.Length;
        Position += lf + 1;
        return ImapParse.Ok;
    }

    /// <summary>astring = 1*ASTRING-CHAR / quoted / literal. Literal content may not hold NUL, CR or LF (no login
    /// or password needs them, and refusing them keeps a literal from carrying hidden command lines).</summary>
    public ImapParse AString(int maxLiteral, out ImapString value)
    {
        value = default;
        if (AtEnd)
        {
            return ImapParse.NeedMore;
        }

        return data[Position] switch
        {
            (byte)'"' => Quoted(out value),
            (byte)'{' => Literal(maxLiteral, out value),
            _ => Atom(out value),
        };
    }

    private ImapParse Atom(out ImapString value)
    {
        var start = Position;
        while (Position < data.Length && IsAStringChar(data[Position]))
        {
            Position++;
        }

        value = new ImapString(start, Position - start, false);
        if (AtEnd)
        {
            return ImapParse.NeedMore;
        }

        var next = data[Position];
        return value.Length > 0 && next is (byte)' ' or (byte)'\r' or (byte)'\n' ? ImapParse.Ok : ImapParse.Invalid;
    }

    private ImapParse Quoted(out ImapString value)
    {
        var start = ++Position;
        var escaped = false;
        value = default;
        while (true)
        {
            if (AtEnd)
            {
                return ImapParse.NeedMore;
            }

            var b = data[Position];
            if (b == (byte)'"')
            {
                value = new ImapString(start, Position - start, escaped);
                Position++;
                return ImapParse.Ok;
            }

            if (b is 0 or (byte)'\r' or (byte)'\n')
            {
                return ImapParse.Invalid;
            }

            if (b == (byte)'\\')
            {
                if (Position + 1 >= data.Length)
                {
                    return ImapParse.NeedMore;
                }

                if (data[Position + 1] is not ((byte)'"' or (byte)'\\'))
                {
                    return ImapParse.Invalid;
                }

                escaped = true;
                Position++;
            }

            Position++;
        }
    }

    /// <summary>"{" number ["+"] "}" CRLF, then number bytes.</summary>
    private ImapParse Literal(int maxLiteral, out ImapString value)
    {
        value = default;
        Position++;
        var length = 0;
        var digits = 0;
        while (Position < data.Length && char.IsAsciiDigit((char)data[Position]))
        {
            if (++digits > MaxLiteralDigits)
            {
                return ImapParse.Invalid;
            }

            length = (length * 10) + (data[Position] - '0');
            Position++;
        }

        if (AtEnd)
        {
            return ImapParse.NeedMore;
        }

        var synchronizing = data[Position] != (byte)'+';
        if (!synchronizing && ++Position >= data.Length)
        {
            return ImapParse.NeedMore;
        }

        if (digits == 0 || data[Position] != (byte)'}')
        {
            return ImapParse.Invalid;
        }

        Position++;
        if (length > maxLiteral)
        {
            LiteralTooLong = true;
            return ImapParse.Invalid;
        }

        var end = LineEnd();
        if (end != ImapParse.Ok)
        {
            return end;
        }

        if (synchronizing)
        {
            SyncLiterals++;
            if (AtEnd)
            {
                return ImapParse.NeedContinuation;
            }
        }

        if (data.Length - Position < length)
        {
            return data[Position..].IndexOfAny((byte)0, (byte)'\r', (byte)'\n') >= 0 ? ImapParse.Invalid : ImapParse.NeedMore;
        }

        var content = data.Slice(Position, length);
        if (content.IndexOfAny((byte)0, (byte)'\r', (byte)'\n') >= 0)
        {
            return ImapParse.Invalid;
        }

        value = new ImapString(Position, length, false);
        Position += length;
        return ImapParse.Ok;
    }

    /// <summary>ASTRING-CHAR: ATOM-CHAR or "]"; 8-bit bytes are let through (UTF-8 logins sent unquoted).</summary>
    internal static bool IsAStringChar(byte b) =>
        b >= 0x80 || (b > 0x20 && b < 0x7F && b is not ((byte)'(' or (byte)')' or (byte)'{' or (byte)'%' or (byte)'*' or (byte)'"' or (byte)'\\'));

    private static bool IsTagChar(byte b) => b < 0x80 && b != (byte)'+' && IsAStringChar(b);
}
