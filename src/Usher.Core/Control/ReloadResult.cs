using Usher.Configuration;

namespace Usher.Control;

/// <summary>The outcome of a reload (<see cref="IGatewayControl.ReloadAsync"/>).</summary>
/// <param name="Applied">Whether the new configuration is in force; when not, nothing changed.</param>
/// <param name="Changes">What differed, when applied.</param>
/// <param name="Summary">What event 9654 told, one line per change.</param>
/// <param name="Errors">Why it was rejected (event 9655).</param>
public sealed record ReloadResult(bool Applied, ConfigChanges? Changes, IReadOnlyList<string> Summary, IReadOnlyList<ConfigError> Errors);
