namespace Usher.Gateway.Hosting;

/// <summary>The configuration file's folder cannot be watched for changes; <c>usher run --no-watch</c> reloads on
/// SIGHUP alone.</summary>
public sealed class ConfigWatchException : IOException
{
    /// <summary>Creates the exception.</summary>
    public ConfigWatchException()
    {
    }

    /// <summary>Creates the exception.</summary>
    public ConfigWatchException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    public ConfigWatchException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
