namespace Usher.Cli.Commands;

/// <summary>Ctrl-C as a cancellation for the commands that redraw until it (<c>top</c>, <c>audit --watch</c>): the
/// key cancels <see cref="Token"/> instead of killing the process, so the command ends its display and exits 0.</summary>
internal sealed class CtrlC : IDisposable
{
    private readonly CancellationTokenSource _stop;
    private readonly ConsoleCancelEventHandler _onCancel;

    public CtrlC(CancellationToken cancellationToken)
    {
        _stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        _onCancel = (_, e) =>
        {
            e.Cancel = true;
            _stop.Cancel();
        };
        Console.CancelKeyPress += _onCancel;
    }

    /// <summary>Cancelled by Ctrl-C (SIGINT) or by the command's own token.</summary>
    public CancellationToken Token => _stop.Token;

    public void Dispose()
    {
        Console.CancelKeyPress -= _onCancel;
        _stop.Dispose();
    }
}
