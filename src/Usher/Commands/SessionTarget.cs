using System.CommandLine.Parsing;
using System.Globalization;

namespace Usher.Cli.Commands;

/// <summary>A session as <c>usher kill</c> and <c>usher probe</c> name it: <c>17</c> on the node asked, or
/// <c>gw-b:17</c> on node gw-b of a cluster (a Redis ledger; session ids are per node, as <c>usher sessions</c>
/// lists them with their NODE).</summary>
/// <param name="Node">The node; <c>null</c> for the node asked.</param>
/// <param name="Id">The session's id on that node.</param>
internal sealed record SessionTarget(string? Node, long Id)
{
    /// <summary>The admin API's path of the session, with <paramref name="suffix"/> (e.g. <c>/probe</c>).</summary>
    public string Path(string suffix = "") => Node is null
        ? string.Create(CultureInfo.InvariantCulture, $"/api/sessions/{Id}{suffix}")
        : string.Create(CultureInfo.InvariantCulture, $"/api/sessions/{Id}{suffix}?node={Uri.EscapeDataString(Node)}");

    /// <inheritdoc />
    public override string ToString() => Node is null ? Id.ToString(CultureInfo.InvariantCulture) : $"{Node}:{Id}";

    /// <summary>Parses <c>ID</c> or <c>NODE:ID</c>.</summary>
    public static SessionTarget? Parse(ArgumentResult result)
    {
        var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : string.Empty;
        var colon = text.LastIndexOf(':');
        var node = colon > 0 ? text[..colon] : null;
        var number = colon >= 0 ? text[(colon + 1)..] : text;
        if (long.TryParse(number, NumberStyles.None, CultureInfo.InvariantCulture, out var id) && id > 0 && colon != 0)
        {
            return new SessionTarget(node, id);
        }

        result.AddError($"\"{text}\" is not a session id (a whole number from 1, or NODE:ID in a cluster). "
            + "Fix: give the id `usher sessions` lists, e.g. usher kill 42 or usher kill gw-b:42");
        return null;
    }
}
