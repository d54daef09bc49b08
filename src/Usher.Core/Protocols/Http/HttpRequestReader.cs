using System.Text;

namespace Usher.Protocols.Http;

/// <summary>Reads the head of the first HTTP/1.x request (request line and header fields up to the empty line, RFC
/// 9112) and takes the identity from one header field. Naming <c>Authorization</c> (or <c>Proxy-Authorization</c>)
/// takes the user of <c>Basic</c> credentials (RFC 7617), never the credentials themselves.</summary>
/// <remarks>The head is checked strictly where a lenient reading could differ from the backend's (request
/// smuggling): bare CR or LF, whitespace before a colon, folded lines, control characters, a repeated identity
/// field, and a field whose name differs from the identity field's only by <c>-</c> and <c>_</c> (which CGI, WSGI and
/// Rack backends read as the same <c>HTTP_X_USER</c>) are all invalid.</remarks>
public sealed class HttpRequestReader : IHandshakeReader
{
    private readonly byte[] headerName;

    /// <summary>A reader.</summary>
    /// <param name="identityHeader">The header field whose value is the identity (matched without regard to case),
    /// or <c>Authorization</c> / <c>Proxy-Authorization</c> for the user of Basic credentials.</param>
    /// <exception cref="ArgumentException">Not a header field name (an HTTP token).</exception>
    public HttpRequestReader(string identityHeader)
    {
        ArgumentNullException.ThrowIfNull(identityHeader);
        if (identityHeader.Length == 0 || !identityHeader.All(c => c < 0x80 && HttpSyntax.IsTokenChar((byte)c)))
        {
            throw new ArgumentException("not an HTTP header field name", nameof(identityHeader));
        }

        IdentityHeader = identityHeader;
        headerName = Encoding.ASCII.GetBytes(identityHeader);
        ReadsBasicUser = identityHeader.Equals("Authorization", StringComparison.OrdinalIgnoreCase)
            || identityHeader.Equals("Proxy-Authorization", StringComparison.OrdinalIgnoreCase);
        MissingProblem = "no " + identityHeader + " header";
        RepeatedProblem = "more than one " + identityHeader + " header";
    }

    /// <summary>The header field the identity comes from.</summary>
    public string IdentityHeader { get; }

    /// <summary>Whether the identity is the user of Basic credentials.</summary>
    public bool ReadsBasicUser { get; }

    private string MissingProblem { get; }

    private string RepeatedProblem { get; }

    /// <inheritdoc />
    /// <remarks>Allocates the identity only.</remarks>
    public HandshakeResult Read(ReadOnlySpan<byte> received) => ReadHead(received, out _);

    /// <summary>Whether the head is complete and well-formed and only the credentials are missing or unusable (the
    /// client is to be asked for them, 401), rather than the request being bad (400).</summary>
    public bool IsCredentialProblem(ReadOnlySpan<byte> received) =>
        ReadsBasicUser && ReadHead(received, out var credentials).Status == HandshakeStatus.Invalid && credentials;

    private HandshakeResult ReadHead(ReadOnlySpan<byte> received, out bool credentialProblem)
    {
        credentialProblem = false;
        var window = received[..Math.Min(received.Length, HandshakeLimits.MaxHandshakeBytes)];
        var end = window.IndexOf("\r\n\r\n"u8);
        if (end < 0)
        {
            var problem = HttpSyntax.CheckPartialHead(window);
            return problem is not null ? HandshakeResult.Invalid(problem) : HandshakeLimits.NeedMoreWithin(received.Length);
        }

        var head = window[..(end + 2)];
        var requestLineProblem = HttpSyntax.CheckHead(head, out var fields);
        if (requestLineProblem is not null)
        {
            return HandshakeResult.Invalid(requestLineProblem);
        }

        var value = default(ReadOnlySpan<byte>);
        var found = false;
        while (!fields.IsEmpty)
        {
            var lineEnd = fields.IndexOf("\r\n"u8);
            var line = fields[..lineEnd];
            fields = fields[(lineEnd + 2)..];
            var colon = line.IndexOf((byte)':');
            if (!System.Text.Ascii.EqualsIgnoreCase(line[..colon], headerName))
            {
                if (SameButForDashes(line[..colon], headerName))
                {
                    return HandshakeResult.Invalid(
                        $"header {Encoding.ASCII.GetString(line[..colon])} differs from {IdentityHeader} only by '-' and '_' (a backend may read them as one)");
                }

                continue;
            }

            if (found)
            {
                return HandshakeResult.Invalid(RepeatedProblem);
            }

            found = true;
            value = line[(colon + 1)..].Trim(" \t"u8);
        }

        credentialProblem = true;
        if (!found || value.IsEmpty)
        {
            return HandshakeResult.Invalid(MissingProblem);
        }

        return ReadsBasicUser ? HttpBasicCredentials.User(value) : Identity(value);
    }

    /// <summary>Whether two field names are equal when case is ignored and <c>_</c> is read as <c>-</c>.</summary>
    private static bool SameButForDashes(ReadOnlySpan<byte> name, ReadOnlySpan<byte> other)
    {
        if (name.Length != other.Length)
        {
            return false;
        }

        for (var i = 0; i < name.Length; i++)
        {
            var a = name[i] == (byte)'_' ? (byte)'-' : name[i];
            var b = other[i] == (byte)'_' ? (byte)'-' : other[i];
            if (a != b && !(char.IsAsciiLetter((char)a) && (a | 0x20) == (b | 0x20)))
            {
                return false;
            }
        }

        return true;
    }

    private HandshakeResult Identity(ReadOnlySpan<byte> value)
    {
        var error = IdentityText.Check(value);
        return error == IdentityTextError.None
            ? new HandshakeResult(HandshakeStatus.Identified, IdentityText.Decode(value, false))
            : HandshakeResult.Invalid(IdentityText.Problem(IdentityHeader, error));
    }
}
