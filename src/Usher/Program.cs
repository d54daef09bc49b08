using System.CommandLine;
using Microsoft.Extensions.Logging;
using Usher.Cli.Commands;
using Usher.Cli.Demo;

var config = new Option<string>("--config", "-c")
{
    Description = "The JSON configuration file.",
    Required = true,
};
config.Validators.Add(ArgumentParsers.FilePath);
var logFormat = new Option<string>("--log-format")
{
    Description = "plain (for people) or json (for machines).",
    DefaultValueFactory = _ => "plain",
};
logFormat.Validators.Add(result =>
{
    if (result.GetValueOrDefault<string>() is not ("plain" or "json") and var format)
    {
        result.AddError($"--log-format \"{format}\" is not a log format. Fix: give plain (for people) or json (for machines)");
    }
});
var logLevel = new Option<LogLevel>("--log-level")
{
    Description = "The lowest level logged: Trace, Debug, Information, Warning, Error, Critical or None.",
    DefaultValueFactory = _ => LogLevel.Information,
    CustomParser = ArgumentParsers.LogLevel,
};

var root = new RootCommand("Usher: a session-aware TCP gateway with per-identity session quotas and fast dead-peer detection.")
{
    RunCommand.Create(config, logFormat, logLevel),
    CheckCommand.Create(config),
    DemoCommand.Create(),
    DoctorCommand.Create(),
    SessionsCommand.Create(),
    KillCommand.Create(),
    ProbeCommand.Create(),
    TopCommand.Create(),
    AuditCommand.Create(),
    AdviseCommand.Create(config),
};

ParseResult parse;
try
{
    parse = root.Parse(args);
}
catch (InvalidOperationException e)
{
    // A validator that met a value the parser could not convert: still a usage error, never a stack trace.
    return UsageError.Report("usher", e.Message);
}

if (parse.Errors.Count > 0 && parse.Action is not System.CommandLine.Help.HelpAction)
{
    return UsageError.Report(parse);
}

// The Generic Host handles SIGTERM and Ctrl-C itself (drain, then stop).
return await parse.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null });
