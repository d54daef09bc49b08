using System.CommandLine;
using Usher.Admin.Api;

namespace Usher.Cli.Commands;

/// <summary><c>usher kill ID</c> and <c>usher kill --listener L --identity I</c>: closes sessions of a running
/// gateway (both sides, close reason Killed, event 9653), like PgBouncer's KILL or HAProxy's <c>shutdown session</c>.</summary>
internal static class KillCommand
{
    public static Command Create()
    {
        var target = new AdminTarget.Options();
        var id = new Argument<SessionTarget?>("id")
        {
            Description = "The session's id (as `usher sessions` lists it); NODE:ID for a session on another node of a cluster.",
            Arity = ArgumentArity.ZeroOrOne,
            CustomParser = SessionTarget.Parse,
        };
        var listener = new Option<string?>("--listener") { Description = "With --identity: the listener whose sessions to kill." };
        var identity = new Option<string?>("--identity") { Description = "With --listener: kill every session of this identity there." };
        var json = new Option<bool>("--json") { Description = "Print the admin API's JSON answer." };
        var command = new Command("kill", "Kill one session, or every session of an identity on a listener.") { id, listener, identity, json };
        target.AddTo(command);
        command.Validators.Add(result =>
        {
            // Whether an id was given, not its value: a value the parser refused has its own error already.
            // (And GetValue throws on an option that lacks its value.)
            var byId = result.GetResult(id) is { Tokens.Count: > 0 };
            var byListener = result.GetResult(listener) is not null;
            var byIdentity = result.GetResult(identity) is not null;
            if (byId == (byListener || byIdentity))
            {
                result.AddError("give a session id, or --listener and --identity (not both)");
            }
            else if (byListener != byIdentity)
            {
                result.AddError("--listener and --identity go together: usher kill --listener pg --identity alice");
            }
        });
        command.SetAction(async (parse, cancellationToken) =>
        {
            try
            {
                using var client = new AdminClient(AdminTarget.From(parse, target));
                var one = parse.GetValue(id);
                var path = one is { } session
                    ? session.Path()
                    : "/api/sessions" + SessionsCommand.Query(("listener", parse.GetValue(listener)), ("identity", parse.GetValue(identity)));
                var (text, result) = await client.SendAsync(HttpMethod.Delete, path, AdminJson.Default.KillResult, cancellationToken);
                if (parse.GetValue(json))
                {
                    await Console.Out.WriteLineAsync(text);
                }
                else
                {
                    await Console.Out.WriteLineAsync(Describe(result, one, parse.GetValue(listener), parse.GetValue(identity)));
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

    private static string Describe(KillResult result, SessionTarget? id, string? listener, string? identity)
    {
        var closing = result.Closed ? string.Empty : " (still closing)";
        if (id is not null)
        {
            return $"killed session {id}{closing}";
        }

        // In a cluster: each node's ids with the node, as `usher sessions` shows them; and the nodes that did not answer.
        var ids = result.Nodes is { } nodes ? nodes.SelectMany(n => n.Ids.Select(i => $"{n.Node}:{i}")) : result.Ids.Select(i => $"{i}");
        var silent = result.NotAnswering is { Count: > 0 } missing
            ? $"; node(s) {string.Join(", ", missing)} did not answer: their sessions may live on"
            : string.Empty;
        return (result.Killed == 0
            ? $"no open session of \"{identity}\" on listener \"{listener}\""
            : $"killed {result.Killed} session(s) of \"{identity}\" on listener \"{listener}\": {string.Join(", ", ids)}{closing}") + silent;
    }
}
