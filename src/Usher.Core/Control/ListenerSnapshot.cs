using Usher.Configuration;

namespace Usher.Control;

/// <summary>One accepting listener at one moment.</summary>
/// <param name="Name">Its name.</param>
/// <param name="Listen">Where it accepts (the real port when configured with port 0).</param>
/// <param name="Settings">Its settings in force (the last reload's).</param>
/// <param name="Open">Sessions the ledger counts on it.</param>
public sealed record ListenerSnapshot(string Name, string Listen, ListenerSettings Settings, int Open);
