using System.CommandLine;
using System.CommandLine.Parsing;

namespace Usher.Cli.Commands;

/// <summary>What a command line that cannot be run gets: one line on standard error, naming the command, the first
/// problem and where the usage is, and exit code 2 (the usual code for a usage error), never a stack trace.</summary>
internal static class UsageError
{
    /// <summary>The exit code of a command line that cannot be run.</summary>
    public const int ExitCode = 2;

    /// <summary>Writes the line for <paramref name="parse"/>'s first error.</summary>
    public static int Report(ParseResult parse)
    {
        ArgumentNullException.ThrowIfNull(parse);

        // The command as typed (the parser's own result may be the root when an option lacks its value).
        var command = string.Join(' ', ["usher", .. parse.Tokens.Where(t => t.Type == TokenType.Command).Select(t => t.Value)]);

        // A word the parser did not know is the likelier mistake than what it then found missing.
        return parse.UnmatchedTokens.Count > 0
            ? Report(command, $"\"{parse.UnmatchedTokens[0]}\" is not a command or option here")
            : Report(command, parse.Errors[0].Message);
    }

    /// <summary>Writes the line for <paramref name="problem"/> about <paramref name="command"/>.</summary>
    public static int Report(string command, string problem)
    {
        // Some of the parser's messages go on with suggestions, one per line: the first line is the problem.
        var line = problem.Split('\n', 2)[0].Trim().TrimEnd('.');
        Console.Error.WriteLine($"{command}: {line}. See `{command} --help`.");
        return ExitCode;
    }
}
