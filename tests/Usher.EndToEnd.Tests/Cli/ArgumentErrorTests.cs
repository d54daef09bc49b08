namespace Usher.EndToEnd.Tests.Cli;

/// <summary>Every command's bad arguments, as a user mistypes them: one line on standard error that names the
/// command and the problem, exit code 2, nothing on standard output, never a stack trace.</summary>
public sealed class ArgumentErrorTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    public static TheoryData<string[], string> BadCommandLines => new()
    {
        { ["kill", "abc"], "\"abc\" is not a session id" },
        { ["probe", "abc"], "\"abc\" is not a session id" },
        { ["probe", "0"], "\"0\" is not a session id" },
        { ["probe"], "Required argument missing for command: 'probe'" },
        { ["probe", "7", "8"], "\"8\" is not a command or option here" },
        { ["probe", "7", "--listener", "pg"], "\"--listener\" is not a command or option here" },
        { ["probe", "7", "--admin", "ftp://127.0.0.1:9646"], "is not an http URL" },
        { ["sessions", "--suspect", "maybe"], "maybe" },
        { ["kill", "99999999999999999999"], "\"99999999999999999999\" is not a session id" },
        { ["kill", "-5"], "\"-5\" is not a session id" },
        { ["kill", "0"], "\"0\" is not a session id" },
        { ["kill"], "give a session id, or --listener and --identity" },
        { ["kill", "7", "--listener", "pg", "--identity", "alice"], "not both" },
        { ["kill", "--listener", "pg"], "--listener and --identity go together" },
        { ["kill", "--listener", "pg", "--identity"], "Required argument missing for option: '--identity'" },
        { ["kill", "7", "--admin", "ftp://127.0.0.1:9646"], "is not an http URL" },
        { ["sessions", "--admin", "http://[::1"], "is not an http URL" },
        { ["sessions", "--admin", "http://127.0.0.1:0"], "is not an http URL" },
        { ["sessions", "--config", "usher.json", "--admin", "http://127.0.0.1:9646"], "give --config or --admin, not both" },
        { ["sessions", "--config", ""], "--config is empty" },
        { ["sessions", "--token-file", " "], "--token-file is empty" },
        { ["sessions", "--limit", "3"], "\"--limit\" is not a command or option here" },
        { ["top", "--interval", "abc"], "\"--interval\" is not a command or option here" },
        { ["top", "--config"], "Required argument missing for option: '--config'" },
        { ["sessions", "--admin"], "Required argument missing for option: '--admin'" },
        { ["run"], "Option '--config' is required" },
        { ["run", "--config", ""], "--config is empty" },
        { ["run", "--config", "usher.json", "--log-format", "xml"], "--log-format \"xml\" is not a log format" },
        { ["run", "--config", "usher.json", "--log-level", "nope"], "\"nope\" is not a log level" },
        { ["run", "--config", "usher.json", "--log-level", "7"], "\"7\" is not a log level" },
        { ["run", "--config", "usher.json", "--take-over", "abc"], "\"abc\" is not a process id" },
        { ["run", "--config", "usher.json", "--take-over", "-3"], "\"-3\" is not a process id" },
        { ["run", "--config", "usher.json", "--take-over", "99999999999"], "\"99999999999\" is not a process id" },
        { ["run", "--config", "usher.json", "--no-watch", "yes"], "\"yes\"" },
        { ["check"], "Option '--config' is required" },
        { ["check", "--config", "usher.json", "--bogus"], "\"--bogus\" is not a command or option here" },
        { ["doctor", "--config"], "Required argument missing for option: '--config'" },
        { ["doctor", "--config", ""], "--config is empty" },
        { ["advise"], "Option '--config' is required" },
        { ["advise", "--config", "usher.json", "--coverage", "0"], "--coverage must be a percentage above 0 and at most 100" },
        { ["advise", "--config", "usher.json", "--coverage", "101"], "--coverage must be a percentage above 0 and at most 100" },
        { ["advise", "--config", "usher.json", "--coverage", "lots"], "--coverage must be a percentage above 0 and at most 100" },
        { ["advise", "--config", "usher.json", "--steady-hours", "0"], "--steady-hours must be a whole number, 1 or more" },
        { ["demo", "--what"], "\"--what\" is not a command or option here" },
        { ["frob"], "\"frob\" is not a command or option here" },
        { [], "Required command was not provided" },
    };

    [Theory]
    [MemberData(nameof(BadCommandLines))]
    public async Task A_bad_command_line_gets_one_clear_line_and_exit_code_2(string[] arguments, string problem)
    {
        var result = await UsherCli.RunAsync(Timeout, arguments);

        var shown = $"usher {string.Join(' ', arguments)}: {result}";
        Assert.True(result.ExitCode == 2, shown);
        var line = Assert.Single(result.Errors.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith(arguments.Length > 0 && arguments[0] != "frob" ? "usher " + arguments[0] + ": " : "usher: ", line, StringComparison.Ordinal);
        Assert.Contains(problem, line, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", line, StringComparison.Ordinal);
        Assert.True(string.IsNullOrWhiteSpace(result.Output), shown);
    }
}
