using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace Usher.Cli.Demo;

/// <summary>Prints the demo's story and the gateway's events in order, and lets the story wait for an event.</summary>
internal sealed class Narrator
{
    private readonly Channel<(int Id, string Message)> _events = Channel.CreateUnbounded<(int, string)>();
    private readonly Lock _console = new();
    private readonly long _start = Environment.TickCount64;

    public void Step(string text) => Write(ConsoleColor.White, Environment.NewLine + "▶ " + text);

    public void Say(string text) => Write(ConsoleColor.Gray, "  " + text);

    public void Good(string text) => Write(ConsoleColor.Green, "  ✔ " + text);

    public void Bad(string text) => Write(ConsoleColor.Red, "  ✖ " + text);

    public void Event(EventId id, LogLevel level, string message)
    {
        if (id.Id == 0 || (level < LogLevel.Information && id.Id != Diagnostics.UsherEvents.SessionOpened))
        {
            return;
        }

        var color = level >= LogLevel.Warning ? ConsoleColor.Yellow : ConsoleColor.DarkCyan;
        Write(color, $"    [event {id.Id} {id.Name}] {message}");
        _events.Writer.TryWrite((id.Id, message));
    }

    /// <summary>Waits for the next event with id <paramref name="id"/>, skipping others.</summary>
    public async Task<string?> WaitForAsync(int id, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            while (true)
            {
                var (eventId, message) = await _events.Reader.ReadAsync(cts.Token);
                if (eventId == id)
                {
                    return message;
                }
            }
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }

    /// <summary>Forgets events seen so far.</summary>
    public void Drain()
    {
        while (_events.Reader.TryRead(out _))
        {
        }
    }

    private void Write(ConsoleColor color, string text)
    {
        lock (_console)
        {
            var seconds = (Environment.TickCount64 - _start) / 1000.0;
            Console.ForegroundColor = ConsoleColor.DarkGray;
            Console.Write($"{seconds,6:0.0}s ");
            Console.ForegroundColor = color;
            Console.WriteLine(text);
            Console.ResetColor();
        }
    }
}
