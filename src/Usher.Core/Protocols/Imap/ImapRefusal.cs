using System.Text;

namespace Usher.Protocols.Imap;

/// <summary>The refusals an IMAP client understands (RFC 9051 7.1, RFC 5530 response code UNAVAILABLE: "temporary
/// failure ... the client may retry later").</summary>
public static class ImapRefusal
{
    /// <summary>The text sent when none is given.</summary>
    public const string DefaultText = "Too many sessions for this user, try again later";

    /// <summary><c>tag NO [UNAVAILABLE] text\r\n</c>: the answer to the held LOGIN or AUTHENTICATE.</summary>
    /// <exception cref="ArgumentException">The tag is empty or not IMAP tag characters.</exception>
    public static byte[] TaggedNo(string tag, string text = DefaultText)
    {
        ArgumentNullException.ThrowIfNull(tag);
        if (tag.Length == 0 || !tag.All(IsTagChar))
        {
            throw new ArgumentException("not an IMAP tag", nameof(tag));
        }

        return Encoding.UTF8.GetBytes($"{tag} NO [UNAVAILABLE] {OneLine(text)}\r\n");
    }

    /// <summary><c>* BYE [UNAVAILABLE] text\r\n</c>: the untagged farewell before closing (when there is no command to
    /// answer).</summary>
    public static byte[] Bye(string text = DefaultText) =>
        Encoding.UTF8.GetBytes($"* BYE [UNAVAILABLE] {OneLine(text)}\r\n");

    /// <summary>Response text is one line: CR, LF and other controls become spaces, and it is never empty.</summary>
    private static string OneLine(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var line = string.Create(text.Length, text, static (span, t) =>
        {
            for (var i = 0; i < t.Length; i++)
            {
                span[i] = char.IsControl(t[i]) ? ' ' : t[i];
            }
        }).Trim();
        return line.Length == 0 ? DefaultText : line;
    }

    /// <summary>tag = 1*&lt;any ASTRING-CHAR except "+"&gt; (RFC 9051 9).</summary>
    internal static bool IsTagChar(char c) =>
        c is > ' ' and < (char)0x7F and not ('(' or ')' or '{' or '%' or '*' or '"' or '\\' or '+');
}
