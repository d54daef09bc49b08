namespace Usher.Cli.Commands;

/// <summary>An admin command cannot do what it was asked; the message is one line for the operator (what, and the
/// fix), printed after "usher: " without a stack trace.</summary>
internal sealed class AdminCommandException : Exception
{
    public AdminCommandException(string message)
        : base(message)
    {
    }

    public AdminCommandException()
    {
    }

    public AdminCommandException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
