using System.CommandLine;
using Usher.Configuration;

namespace Usher.Cli.Commands;

/// <summary><c>usher check --config FILE</c>: validates and prints the effective configuration; exit 0 or 1.</summary>
internal static class CheckCommand
{
    public static Command Create(Option<string> config)
    {
        var command = new Command("check", "Validate a configuration file and print the effective settings.") { config };
        command.SetAction(async (parse, _) =>
        {
            var path = parse.GetValue(config)!;
            try
            {
                var settings = ConfigLoader.Load(path);
                await Console.Out.WriteLineAsync(SettingsPrinter.ToJson(settings));
                await ConfigLoader.WarnAsync(settings);
                await Console.Error.WriteLineAsync($"usher: {path}: configuration is valid ({settings.Listeners.Count} listener(s)).");
                return 0;
            }
            catch (ConfigException e)
            {
                await ConfigLoader.ReportAsync(e);
                return 1;
            }
        });
        return command;
    }
}
