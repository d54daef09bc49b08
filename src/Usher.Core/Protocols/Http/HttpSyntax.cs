namespace Usher.Protocols.Http;

/// <summary>The grammar of a request head (RFC 9112 3 and 5, RFC 9110 5.6.2).</summary>
internal static class HttpSyntax
{
    private const int MaxMethod = 32;
    private const string InvalidRequestLine = "invalid request line";
    private const string InvalidField = "invalid header field";

    /// <summary>tchar: <c>!#$%&amp;'*+-.^_`|~</c>, digits and letters.</summary>
    internal static bool IsTokenChar(byte b) => b switch
    {
        >= (byte)'a' and <= (byte)'z' => true,
        >= (byte)'A' and <= (byte)'Z' => true,
        >= (byte)'0' and <= (byte)'9' => true,
        (byte)'!' or (byte)'#' or (byte)'$' or (byte)'%' or (byte)'&' or (byte)'\'' or (byte)'*' or (byte)'+'
            or (byte)'-' or (byte)'.' or (byte)'^' or (byte)'_' or (byte)'`' or (byte)'|' or (byte)'~' => true,
        _ => false,
    };

    /// <summary>What can already be told of a head whose end has not arrived: the request line so far, and the
    /// field lines so far. Refusing early keeps a client that is not speaking HTTP from holding a buffer.</summary>
    internal static string? CheckPartialHead(ReadOnlySpan<byte> partial)
    {
        var crlf = partial.IndexOf("\r\n"u8);
        if (crlf < 0)
        {
            return PartialRequestLine(WithoutFinalCr(partial));
        }

        var problem = RequestLine(partial[..crlf]);
        var rest = partial[(crlf + 2)..];
        while (problem is null)
        {
            var end = rest.IndexOf("\r\n"u8);
            if (end < 0)
            {
                return HasControl(WithoutFinalCr(rest)) ? InvalidField : null;
            }

            problem = Field(rest[..end]);
            rest = rest[(end + 2)..];
        }

        return problem;
    }

    /// <summary>Checks a whole head (request line, then fields, each ending in CRLF) and gives the field lines.</summary>
    internal static string? CheckHead(ReadOnlySpan<byte> head, out ReadOnlySpan<byte> fields)
    {
        fields = default;
        var crlf = head.IndexOf("\r\n"u8);
        var problem = RequestLine(head[..crlf]);
        if (problem is not null)
        {
            return problem;
        }

        fields = head[(crlf + 2)..];
        var rest = fields;
        while (!rest.IsEmpty)
        {
            var end = rest.IndexOf("\r\n"u8);
            problem = Field(rest[..end]);
            if (problem is not null)
            {
                return problem;
            }

            rest = rest[(end + 2)..];
        }

        return null;
    }

    /// <summary>The start of a request line: each part so far valid, the version a prefix of a supported one.</summary>
    private static string? PartialRequestLine(ReadOnlySpan<byte> line)
    {
        if ("PRI * HTTP/2.0"u8.StartsWith(line))
        {
            return null;
        }

        var sp1 = line.IndexOf((byte)' ');
        var method = sp1 < 0 ? line : line[..sp1];
        if (method.Length > MaxMethod || method.ContainsAnyExcept(TokenChars.Values) || sp1 == 0)
        {
            return InvalidRequestLine;
        }

        if (sp1 < 0)
        {
            return null;
        }

        var rest = line[(sp1 + 1)..];
        var sp2 = rest.IndexOf((byte)' ');
        var target = sp2 < 0 ? rest : rest[..sp2];
        if (target.ContainsAnyExceptInRange((byte)0x21, (byte)0x7E) || sp2 == 0)
        {
            return InvalidRequestLine;
        }

        if (sp2 < 0)
        {
            return null;
        }

        var version = rest[(sp2 + 1)..];
        return "HTTP/1.1"u8.StartsWith(version) || "HTTP/1.0"u8.StartsWith(version) ? null : "unsupported HTTP version";
    }

    /// <summary>method SP request-target SP HTTP-version, the version 1.0 or 1.1.</summary>
    private static string? RequestLine(ReadOnlySpan<byte> line)
    {
        if (line.SequenceEqual("PRI * HTTP/2.0"u8))
        {
            return "HTTP/2 connection preface (only HTTP/1.x is read)";
        }

        var sp1 = line.IndexOf((byte)' ');
        var sp2 = sp1 < 0 ? -1 : line[(sp1 + 1)..].IndexOf((byte)' ');
        if (sp1 <= 0 || sp1 > MaxMethod || sp2 <= 0)
        {
            return InvalidRequestLine;
        }

        var method = line[..sp1];
        var target = line.Slice(sp1 + 1, sp2);
        var version = line[(sp1 + sp2 + 2)..];
        if (method.ContainsAnyExcept(TokenChars.Values) || target.ContainsAnyExceptInRange((byte)0x21, (byte)0x7E))
        {
            return InvalidRequestLine;
        }

        return version.SequenceEqual("HTTP/1.1"u8) || version.SequenceEqual("HTTP/1.0"u8)
            ? null
            : "unsupported HTTP version";
    }

    /// <summary>field-name ":" OWS field-value OWS; the name a token (no whitespace before the colon, no folding),
    /// the value visible characters, spaces, tabs and obs-text.</summary>
    private static string? Field(ReadOnlySpan<byte> line)
    {
        var colon = line.IndexOf((byte)':');
        if (colon <= 0 || line[..colon].ContainsAnyExcept(TokenChars.Values))
        {
            return InvalidField;
        }

        return HasControl(line[(colon + 1)..]) ? InvalidField : null;
    }

    /// <summary>A control character other than HTAB (CR and LF included).</summary>
    private static bool HasControl(ReadOnlySpan<byte> text) =>
        text.ContainsAnyInRange((byte)0x00, (byte)0x08) || text.ContainsAnyInRange((byte)0x0A, (byte)0x1F) || text.Contains((byte)0x7F);

    private static ReadOnlySpan<byte> WithoutFinalCr(ReadOnlySpan<byte> text) =>
        text.Length > 0 && text[^1] == (byte)'\r' ? text[..^1] : text;
}
