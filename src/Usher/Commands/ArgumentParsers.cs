using System.CommandLine.Parsing;
using System.Globalization;
using Microsoft.Extensions.Logging;

namespace Usher.Cli.Commands;

/// <summary>Parsers for the values the commands take, each refusing a bad value with a message that names the
/// argument, the value and the fix (System.CommandLine's own says only that a type was expected).</summary>
internal static class ArgumentParsers
{
    /// <summary>A whole number from 1 to <see cref="int.MaxValue"/>: a process id.</summary>
    public static int? ProcessId(ArgumentResult result) =>
        Positive(result, "a process id", "give the pid of the running usher, e.g. --take-over 1234") is { } pid
            ? pid <= int.MaxValue
                ? (int)pid
                : Error<int?>(result, "a process id", "give the pid of the running usher, e.g. --take-over 1234")
            : null;

    /// <summary>A log level by name, in any case.</summary>
    public static LogLevel LogLevel(ArgumentResult result)
    {
        var text = Text(result);
        if (Enum.TryParse<LogLevel>(text, ignoreCase: true, out var level) && Enum.IsDefined(level) && !char.IsAsciiDigit(text[0]))
        {
            return level;
        }

        result.AddError($"\"{text}\" is not a log level. Fix: give one of {string.Join(", ", Enum.GetNames<LogLevel>())}");
        return Microsoft.Extensions.Logging.LogLevel.Information;
    }

    /// <summary>Refuses an empty or blank file path (a shell variable that was not set).</summary>
    public static void FilePath(OptionResult result)
    {
        if (result.Tokens.Count > 0 && string.IsNullOrWhiteSpace(result.Tokens[0].Value))
        {
            result.AddError($"{result.Option.Name} is empty. Fix: give the path of a file, e.g. {result.Option.Name} usher.json");
        }
    }

    private static long? Positive(ArgumentResult result, string what, string fix)
    {
        var text = Text(result);
        return long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value > 0
            ? value
            : Error<long?>(result, what, fix);
    }

    private static T? Error<T>(ArgumentResult result, string what, string fix)
    {
        result.AddError($"\"{Text(result)}\" is not {what} (a whole number from 1). Fix: {fix}");
        return default;
    }

    private static string Text(ArgumentResult result) => result.Tokens.Count > 0 ? result.Tokens[0].Value : string.Empty;

    /// <summary>A whole number from <paramref name="min"/> to <paramref name="max"/>, or <paramref name="error"/>.</summary>
    public static int Whole(ArgumentResult result, int min, int max, string error)
    {
        if (result.Tokens.Count == 1 && int.TryParse(result.Tokens[0].Value, System.Globalization.NumberStyles.None,
            System.Globalization.CultureInfo.InvariantCulture, out var value) && value >= min && value <= max)
        {
            return value;
        }

        result.AddError(error);
        return default;
    }
}
