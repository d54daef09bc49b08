using System.CommandLine;
using System.Globalization;
using Usher.Admin.Api;

namespace Usher.Cli.Commands;

/// <summary><c>usher probe ID</c>: probes a session's client now, as ReclaimDead does (its keepalive shortened to the
/// listener's ProbeInterval × ProbeCount); a vanished client is found dead within that budget and the session ends as
/// ClientDead (events 9663, 9648, 9642), a live one keeps its session.</summary>
internal static class ProbeCommand
{
    public static Command Create()
    {
        var target = new AdminTarget.Options();
        var id = new Argument<SessionTarget?>("id")
        {
            Description = "The session's id (as `usher sessions` lists it; `usher sessions --suspect` lists the suspect ones); "
                + "NODE:ID for a session on another node of a cluster.",
            CustomParser = SessionTarget.Parse,
        };
        var json = new Option<bool>("--json") { Description = "Print the admin API's JSON answer." };
        var command = new Command("probe", "Probe a session's client now: a vanished client is found dead within the listener's probe budget.")
        {
            id, json,
        };
        target.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            try
            {
                using var client = new AdminClient(AdminTarget.From(parse, target));
                var session = parse.GetValue(id)!;
                var (text, probe) = await client.SendAsync(HttpMethod.Post, session.Path("/probe"),
                    AdminJson.Default.ProbeResult, cancellationToken);
                await Console.Out.WriteLineAsync(parse.GetValue(json) ? text : Describe(probe));
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

    private static string Describe(ProbeResult probe)
    {
        var budget = probe.BudgetSeconds.ToString("0.#", CultureInfo.InvariantCulture);
        var session = probe.Node is null ? $"{probe.Id}" : $"{probe.Node}:{probe.Id}";
        return (probe.Started ? $"probing session {session}" : $"session {session} is being probed already")
            + $": its client has {budget} s to answer; if it does not, the session ends as ClientDead (event 9648)";
    }
}
