using System.CommandLine;
using Spectre.Console;

namespace Usher.Cli.Commands;

/// <summary><c>usher top</c>: a running gateway at a glance, redrawn every second from its admin API
/// (<c>/api/status</c> and <c>/api/identities</c>): totals, listeners, the busiest identities against their limits.
/// <c>--once</c> prints one frame and exits, for scripts. Ctrl-C ends it with exit code 0.</summary>
internal static class TopCommand
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    /// <summary>Columns a frame may use when it goes to a file or a pipe.</summary>
    private const int RedirectedWidth = 200;

    public static Command Create()
    {
        var target = new AdminTarget.Options();
        var once = new Option<bool>("--once") { Description = "Print one frame and exit (no live display)." };
        var command = new Command("top", "Watch a running gateway: sessions, listeners and the busiest identities (through its admin API).")
        {
            once,
        };
        target.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            try
            {
                using var client = new AdminClient(AdminTarget.From(parse, target));
                var first = await TopFrame.FetchAsync(client, cancellationToken);
                if (parse.GetValue(once))
                {
                    if (Console.IsOutputRedirected)
                    {
                        // Into a file or a pipe: one line per row, however long, rather than 80 columns wrapped.
                        AnsiConsole.Profile.Width = RedirectedWidth;
                    }

                    AnsiConsole.Write(TopView.Render(first, null, null));
                    return 0;
                }

                await LiveAsync(client, first, cancellationToken);
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

    private static async Task LiveAsync(AdminClient client, TopFrame first, CancellationToken cancellationToken)
    {
        using var stop = new CtrlC(cancellationToken);
        var previous = first;
        await AnsiConsole.Live(TopView.Render(first, null, null)).StartAsync(async live =>
        {
            while (!stop.Token.IsCancellationRequested)
            {
                try
                {
                    await Task.Delay(Interval, stop.Token);
                    var frame = await TopFrame.FetchAsync(client, stop.Token);
                    live.UpdateTarget(TopView.Render(frame, previous, null));
                    previous = frame;
                }
                catch (OperationCanceledException)
                {
                    break;
                }
                catch (AdminCommandException e)
                {
                    // Keep the last frame on screen and say why it is stale; try again next second.
                    live.UpdateTarget(TopView.Render(previous, null, e.Message));
                }

                live.Refresh();
            }
        });
    }
}
