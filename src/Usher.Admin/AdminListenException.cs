namespace Usher.Admin;

/// <summary>The admin endpoint could not listen on <c>Admin:Listen</c> (address in use, no permission, no such
/// address); the message says which address and why.</summary>
public sealed class AdminListenException : Exception
{
    /// <summary>Creates the exception.</summary>
    public AdminListenException(string message, Exception? inner = null)
        : base(message, inner)
    {
    }

    /// <summary>Creates the exception.</summary>
    public AdminListenException()
    {
    }

    /// <summary>Creates the exception.</summary>
    public AdminListenException(string message)
        : base(message)
    {
    }
}
