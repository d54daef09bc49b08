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
        var id = new Argument<long>("id")
        {
            Description = "The session's id (as `usher sessions` lists it; `usher sessions --suspect` lists the suspect ones).",
            CustomParser = result => ArgumentParsers.SessionId(result) ?? 0,
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
                var sessionId = parse.GetValue(id);
                var (text, probe) = await client.SendAsync(HttpMethod.Post, $"/api/sessions/{sessionId}/probe",
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
        return (probe.Started ? $"probing session {probe.Id}" : $"session {probe.Id} is being probed already")
            + $": its client has {budget} s to answer; if it does not, the session ends as ClientDead (event 9648)";
    }
}
