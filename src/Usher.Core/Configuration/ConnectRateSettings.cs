namespace Usher.Configuration;

/// <summary>A per-address connection rate: a token bucket of <paramref name="PerIp"/> tokens refilled over
/// <paramref name="Window"/>, so bursts up to PerIp pass and the sustained rate is PerIp per Window.</summary>
public sealed record ConnectRateSettings(int PerIp, TimeSpan Window);
