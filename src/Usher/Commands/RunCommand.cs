using System.CommandLine;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Usher.Admin;
using Usher.Admin.Hosting;
using Usher.Configuration;
using Usher.Gateway.Engine;
using Usher.Gateway.Hosting;

namespace Usher.Cli.Commands;

/// <summary><c>usher run --config FILE</c>: the gateway on the Generic Host, reloading its configuration on SIGHUP and
/// when the file changes (not with <c>--no-watch</c>).</summary>
internal static class RunCommand
{
    public static Command Create(Option<string> config, Option<string> logFormat, Option<LogLevel> logLevel)
    {
        var takeOver = new Option<int?>("--take-over")
        {
            Description = "Graceful restart: the process id of a running usher whose listening sockets this one takes "
                + "over (same addresses); then stop the old one (SIGTERM) and it drains while this one accepts.",
            CustomParser = ArgumentParsers.ProcessId,
        };
        var noWatch = new Option<bool>("--no-watch")
        {
            Description = "Reload the configuration on SIGHUP only, not when its file changes on disk.",
        };
        var command = new Command("run", "Run the gateway with a configuration file.") { config, logFormat, logLevel, takeOver, noWatch };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var path = parse.GetValue(config)!;
            GatewaySettings settings;
            string? stamp;
            try
            {
                // Stamped before it is read: a change made meanwhile is seen as one by the reload service.
                stamp = ConfigReloadService.Stamp(path);
                settings = ConfigLoader.Load(path);
            }
            catch (ConfigException e)
            {
                // The same validation and the same words as `usher check`: what check passes, run starts with.
                await ConfigLoader.ReportAsync(e);
                return 1;
            }

            await ConfigLoader.WarnAsync(settings);
            InheritedListeners? inherited = null;
            if (parse.GetValue(takeOver) is { } pid)
            {
                try
                {
                    inherited = InheritedListeners.From(pid);
                    await Console.Error.WriteLineAsync($"usher: took over {inherited.Count} listening socket(s) from process {pid}");
                }
                catch (InvalidOperationException e)
                {
                    await Console.Error.WriteLineAsync($"usher: cannot take over the listeners of process {pid}: {e.Message}. " +
                        "Fix: give the process id of a running usher (same user or root, Linux 5.6 or later).");
                    return 1;
                }
            }

            var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
            if (inherited is not null)
            {
                builder.Services.AddSingleton(inherited);
            }

            Logging.Configure(builder.Logging, parse.GetValue(logFormat)!, parse.GetValue(logLevel));
            builder.Services.AddSingleton(settings);
            builder.Services.AddSingleton(TimeProvider.System);
            RedisHosting.AddRedisLedger(builder.Services, settings);
            RedisClusterHosting.AddRedisCluster(builder.Services, settings);
            builder.Services.AddSingleton<GatewayHostedService>();
            if (settings.Admin is { } admin)
            {
                // Before the gateway: it starts first (a bad Admin:Listen stops the run before any session is
                // accepted) and stops last (operators can watch and kill sessions while the gateway drains).
                // The admin endpoint sees the gateway through its control interface alone (Usher.Admin references
                // Core, not the gateway); the graceful restart's admin socket is taken from the gateway's inherited ones.
                builder.Services.AddSingleton(admin);
                builder.Services.AddSingleton(sp => sp.GetRequiredService<GatewayHostedService>().Gateway.Control);
                builder.Services.AddSingleton<AdminHostedService>();
                builder.Services.AddHostedService(sp => sp.GetRequiredService<AdminHostedService>());
            }

            builder.Services.AddHostedService(sp => sp.GetRequiredService<GatewayHostedService>());

            // After the gateway: it starts once the listeners accept, and stops first, so no reload meets a drain.
            builder.Services.AddHostedService(sp => new ConfigReloadService(sp.GetRequiredService<GatewayHostedService>().Gateway,
                path, ConfigLoader.Load, new ConfigReloadOptions { Watch = !parse.GetValue(noWatch), Sighup = true, LoadedStamp = stamp }));
            builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = settings.ShutdownGrace + TimeSpan.FromSeconds(10));
            using var host = builder.Build();
            // Taken before the run: RunAsync disposes the host's services when it returns.
            var gateway = host.Services.GetRequiredService<GatewayHostedService>();
            try
            {
                await host.RunAsync(cancellationToken);
                if (gateway.Failure is { } failure)
                {
                    await Console.Error.WriteLineAsync($"usher: the gateway failed: {failure.Message}. Fix: see the log's event 9661; restart usher.");
                    return 1;
                }
            }
            catch (System.Net.Sockets.SocketException e)
            {
                await Console.Error.WriteLineAsync(
                    $"usher: {settings.Source}: {e.Message}. Fix: stop what holds that address, or change the listener's Listen key.");
                return 1;
            }
            catch (AdminListenException e)
            {
                await Console.Error.WriteLineAsync(
                    $"usher: {settings.Source}: Usher:Admin:Listen: {e.Message}. Fix: stop what holds that address, or change Admin:Listen.");
                return 1;
            }
            catch (ConfigWatchException e)
            {
                await Console.Error.WriteLineAsync(
                    $"usher: {e.Message}. Fix: run with --no-watch and reload with SIGHUP, or raise fs.inotify.max_user_instances.");
                return 1;
            }
            catch (InvalidOperationException e) when (e.InnerException is System.Security.Cryptography.CryptographicException
                or IOException or UnauthorizedAccessException or ArgumentException)
            {
                // The TLS files were checked when the configuration was read; they changed before the listener loaded them.
                await Console.Error.WriteLineAsync(
                    $"usher: {settings.Source}: {e.Message}. Fix: give the listener's Tls keys readable PEM files, then run `usher check`.");
                return 1;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // Nothing the configuration holds should get here (`usher check` validates it all); if something
                // does, one line that names it beats a stack trace.
                await Console.Error.WriteLineAsync(
                    $"usher: {settings.Source}: the gateway stopped: {e.GetType().Name}: {e.Message.TrimEnd('.')}. Fix: run `usher check --config {path}`; if it passes, report this line.");
                return 1;
            }

            return 0;
        });
        return command;
    }
}
