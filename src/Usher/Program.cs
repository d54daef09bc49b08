using System.CommandLine;
using Microsoft.Extensions.Logging;
using Usher.Cli.Commands;
using Usher.Cli.Demo;

var config = new Option<string>("--config", "-c")
{
    Description = "The JSON configuration file.",
    Required = true,
};
var logFormat = new Option<string>("--log-format")
{
    Description = "plain (for people) or json (for machines).",
    DefaultValueFactory = _ => "plain",
};
logFormat.AcceptOnlyFromAmong("plain", "json");
var logLevel = new Option<LogLevel>("--log-level")
{
    Description = "The lowest level logged.",
    DefaultValueFactory = _ => LogLevel.Information,
};

var root = new RootCommand("Usher: a session-aware TCP gateway with per-identity session quotas and fast dead-peer detection.")
{
    RunCommand.Create(config, logFormat, logLevel),
    CheckCommand.Create(config),
    DemoCommand.Create(),
    DoctorCommand.Create(),
    SessionsCommand.Create(),
    KillCommand.Create(),
    TopCommand.Create(),
    AuditCommand.Create(),
};

// The Generic Host handles SIGTERM and Ctrl-C itself (drain, then stop).
return await root.Parse(args).InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null });
