using System.Text;

namespace Usher.Handshakes.Http;

/// <summary>Reads the head of the first HTTP/1.x request (request line and header fields up to the empty line, RFC
/// 9112) and takes the identity from one header field. Naming <c>Authorization</c> (or <c>Proxy-Authorization</c>)
/// takes the user of <c>Basic</c> credentials (RFC 7617), never the credentials themselves.</summary>
/// <remarks>The head is checked strictly where a lenient reading could differ from the backend's (request
/// smuggling): bare CR or LF, whitespace before a colon, folded lines, control characters, and a repeated identity
/// field are all invalid.</remarks>
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
    public HandshakeResult Read(ReadOnlySpan<byte> received)
    {
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
                continue;
            }

            if (found)
            {
                return HandshakeResult.Invalid(RepeatedProblem);
            }

            found = true;
            value = line[(colon + 1)..].Trim(" \t"u8);
        }

        if (!found || value.IsEmpty)
        {
            return HandshakeResult.Invalid(MissingProblem);
        }

        return ReadsBasicUser ? HttpBasicCredentials.User(value) : Identity(value);
    }

    private HandshakeResult Identity(ReadOnlySpan<byte> value)
    {
        var error = IdentityText.Check(value);
        return error == IdentityTextError.None
            ? new HandshakeResult(HandshakeStatus.Identified, IdentityText.Decode(value, false))
            : HandshakeResult.Invalid(IdentityText.Problem(IdentityHeader, error));
    }
}
