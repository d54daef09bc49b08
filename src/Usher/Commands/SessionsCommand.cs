using System.CommandLine;
using Usher.Admin.Api;

namespace Usher.Cli.Commands;

/// <summary><c>usher sessions</c>: the open sessions of a running gateway, as a table or JSON (like PgBouncer's
/// SHOW CLIENTS or HAProxy's <c>show sess</c>).</summary>
internal static class SessionsCommand
{
    public static Command Create()
    {
        var target = new AdminTarget.Options();
        var listener = new Option<string?>("--listener") { Description = "Only the sessions of this listener." };
        var identity = new Option<string?>("--identity") { Description = "Only the sessions of this identity." };
        var node = new Option<string?>("--node") { Description = "In a cluster (a Redis ledger): only the sessions of this node." };
        var suspect = new Option<bool>("--suspect")
        {
            Description = "Only the sessions whose client left data or keepalive probes unanswered past the threshold (10 s).",
        };
        var json = new Option<bool>("--json") { Description = "Print the admin API's JSON instead of a table." };
        var command = new Command("sessions", "List the open sessions of a running gateway (through its admin API), with their clients' liveness.")
        {
            listener, identity, node, suspect, json,
        };
        target.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            try
            {
                using var client = new AdminClient(AdminTarget.From(parse, target));
                var query = Query(("listener", parse.GetValue(listener)), ("identity", parse.GetValue(identity)),
                    ("node", parse.GetValue(node)), ("suspect", parse.GetValue(suspect) ? "true" : null));
                // A fresh TCP_INFO of every listed session: one read each, once.
                var liveness = (query.Length == 0 ? "?" : "&") + "fresh=true";
                var (text, sessions) = await client.SendAsync(HttpMethod.Get, "/api/sessions" + query + liveness,
                    AdminJson.Default.IReadOnlyListSessionView, cancellationToken);
                if (parse.GetValue(json))
                {
                    await Console.Out.WriteLineAsync(text);
                }
                else if (sessions.Count == 0)
                {
                    await Console.Error.WriteLineAsync("usher: no open session" + (query.Length > 0 ? " matches" : string.Empty)
                        + (parse.GetValue(suspect) ? " (none is suspect)" : string.Empty));
                }
                else
                {
                    await Console.Out.WriteAsync(SessionTable.Render(sessions, DateTimeOffset.UtcNow));
                }

                if (client.NotAnswering is { } silent)
                {
                    await Console.Error.WriteLineAsync($"usher: node(s) {silent} did not answer in time: their sessions are not listed");
                }

                return 0;
            }
            catch (AdminCommandException e)
            {
                await Console.Error.WriteLineAsync("usher: " + e.Message);
                return 1;
            }
        });
        return command;
    }

    /// <summary>A query string of the parameters given (escaped), or the empty string.</summary>
    internal static string Query(params (string Name, string? Value)[] parameters)
    {
        var given = parameters.Where(p => p.Value is not null).Select(p => $"{p.Name}={Uri.EscapeDataString(p.Value!)}").ToList();
        return given.Count == 0 ? string.Empty : "?" + string.Join('&', given);
    }
}
