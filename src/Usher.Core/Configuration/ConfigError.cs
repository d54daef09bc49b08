namespace Usher.Configuration;

/// <summary>One problem in a configuration: where it is, what is wrong, and how to fix it.</summary>
/// <param name="Source">The file (or other source) the configuration came from.</param>
/// <param name="Key">The full key, e.g. <c>Usher:Listeners:0:Keepalive:Idle</c>.</param>
/// <param name="Problem">What is wrong with it.</param>
/// <param name="Fix">What to write instead.</param>
public sealed record ConfigError(string Source, string Key, string Problem, string Fix)
{
    /// <inheritdoc />
    public override string ToString() => $"{Source}: {Key}: {Problem}. Fix: {Fix}.";

    /// <summary>The problems as <c>usher check</c> lists them: each on its own line, indented by two spaces.</summary>
    public static string Lines(IEnumerable<ConfigError> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        return string.Concat(errors.Select(e => Environment.NewLine + "  " + e));
    }
}
