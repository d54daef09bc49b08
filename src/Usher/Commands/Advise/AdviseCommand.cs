using System.CommandLine;
using System.Globalization;
using Usher.Configuration;
using Usher.Peaks;

namespace Usher.Cli.Commands;

/// <summary><c>usher advise --config FILE</c>: MaxSessionsPerIdentity and overrides chosen from the peaks the gateway
/// recorded (<c>Peaks:File</c>), who was refused under the limits now and who would be under the suggested ones, and
/// the configuration snippet; <c>--write</c> writes the whole configuration with it, which <c>usher check</c> accepts.
/// Exit 0 with advice, 1 when the configuration or the peak file cannot be read.</summary>
internal static class AdviseCommand
{
    public static Command Create(Option<string> config)
    {
        var coverage = new Option<double>("--coverage")
        {
            Description = "The share of identities (percent) the suggested limit must cover: none of them above it in any hour recorded.",
            DefaultValueFactory = _ => PeakAdvisor.DefaultCoverage,
            CustomParser = r =>
            {
                if (r.Tokens.Count == 1 && double.TryParse(r.Tokens[0].Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
                    && value > 0 && value <= 100)
                {
                    return value;
                }

                r.AddError("--coverage must be a percentage above 0 and at most 100, e.g. --coverage 99.9");
                return default;
            },
        };
        var steady = new Option<int>("--steady-hours")
        {
            Description = "Hours above the suggested limit that earn an identity an override (a steady need, not a one-off pile-up).",
            DefaultValueFactory = _ => PeakAdvisor.DefaultSteadyHours,
            CustomParser = r => ArgumentParsers.Whole(r, 1, 100_000, "--steady-hours must be a whole number, 1 or more, e.g. --steady-hours 3"),
        };
        var file = new Option<string?>("--file") { Description = "The peak file to read (default: the configuration's Peaks:File)." };
        var write = new Option<string?>("--write") { Description = "Write the configuration with the suggested limits to this file (usher check accepts it)." };
        var json = new Option<bool>("--json") { Description = "Print JSON instead of text." };
        var command = new Command("advise", "Suggest MaxSessionsPerIdentity and overrides from the peak sessions each identity held, as recorded by the gateway.")
        {
            config, coverage, steady, file, write, json,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var path = parse.GetValue(config)!;
            GatewaySettings settings;
            try
            {
                settings = ConfigLoader.Load(path);
            }
            catch (ConfigException e)
            {
                await ConfigLoader.ReportAsync(e);
                return 1;
            }

            var peakFile = parse.GetValue(file) ?? settings.Peaks?.File;
            if (peakFile is null)
            {
                await Console.Error.WriteLineAsync($"usher: {path} records no peaks (Peaks:Record is false). Fix: pass the file with --file, or remove \"Record\": false and let the gateway run a while");
                return 1;
            }

            PeakHistory history;
            try
            {
                history = PeakFile.Read(peakFile);
            }
            catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException)
            {
                await Console.Error.WriteLineAsync($"usher: {e.Message}. Fix: pass a peak file the gateway wrote with --file");
                return 1;
            }

            if (history.HourCount == 0)
            {
                await Console.Error.WriteLineAsync($"usher: no peaks recorded yet in {peakFile}. Fix: let the gateway run with this configuration (it writes every Peaks:SaveInterval and when it stops), then ask again");
                return 1;
            }

            var advice = settings.Listeners
                .Select(l => PeakAdvisor.Advise(history, l, parse.GetValue(coverage), parse.GetValue(steady)))
                .ToList();
            await Console.Out.WriteAsync(parse.GetValue(json)
                ? AdviceText.Json(advice, history, peakFile)
                : AdviceText.Text(advice, history, peakFile, settings));
            if (parse.GetValue(write) is { } target)
            {
                try
                {
                    await File.WriteAllTextAsync(target, AdvisedConfiguration.Write(path, settings, advice), cancellationToken);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Text.Json.JsonException)
                {
                    await Console.Error.WriteLineAsync($"usher: cannot write {target}: {e.Message}");
                    return 1;
                }

                await Console.Error.WriteLineAsync($"usher: wrote {target} with the suggested limits; check it with: usher check --config {target}");
            }

            return 0;
        });
        return command;
    }
}
