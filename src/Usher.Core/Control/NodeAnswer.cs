namespace Usher.Control;

/// <summary>One node's answer to a cluster call (<see cref="IClusterControl"/>).</summary>
/// <param name="Node">The node's name.</param>
/// <param name="Outcome">How it answered.</param>
/// <param name="Value">What it answered when <see cref="NodeOutcome.Done"/>; otherwise the type's default.</param>
/// <param name="Error">Why not, in words, when not <see cref="NodeOutcome.Done"/>.</param>
public sealed record NodeAnswer<T>(string Node, NodeOutcome Outcome, T? Value, string? Error = null);
