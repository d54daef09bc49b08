namespace Usher.Protocols;

/// <summary>What a handshake reader made of the bytes a client has sent so far.</summary>
public enum HandshakeStatus
{
    /// <summary>The handshake is incomplete: read more (within the byte and time bounds).</summary>
    NeedMore = 0,
    /// <summary>The identity is known (<see cref="HandshakeResult.Identity"/>).</summary>
    Identified,
    /// <summary>Answer the client with <see cref="HandshakeResult.Reply"/>, drop the first
    /// <see cref="HandshakeResult.Consumed"/> bytes, and read on (e.g. PostgreSQL SSLRequest answered 'N').</summary>
    Reply,
    /// <summary>Not a session: relay without counting (e.g. PostgreSQL CancelRequest).</summary>
    Passthrough,
    /// <summary>Malformed, truncated where it cannot be, oversized, or a protocol the listener does not speak.</summary>
    Invalid,
}

/// <summary>The answer of a handshake reader. Readers are pure: they see all bytes received so far (bounded) and
/// never keep state between calls, so a handshake split over many reads is simply read again from the start.</summary>
/// <param name="Status">What to do next.</param>
/// <param name="Identity">The identity when <see cref="HandshakeStatus.Identified"/>.</param>
/// <param name="Consumed">Bytes that belong to the gateway and are not replayed to the backend (a PROXY header, an
/// SSLRequest); every other byte read is replayed to the backend unchanged.</param>
/// <param name="Reply">Bytes to send to the client for <see cref="HandshakeStatus.Reply"/>.</param>
/// <param name="Problem">Why the input is invalid (never contains secrets).</param>
public readonly record struct HandshakeResult(
    HandshakeStatus Status,
    string? Identity = null,
    int Consumed = 0,
    ReadOnlyMemory<byte> Reply = default,
    string? Problem = null)
{
    /// <summary>Read more.</summary>
    public static HandshakeResult NeedMore => default;

    /// <summary>Invalid input, with the reason.</summary>
    public static HandshakeResult Invalid(string problem) => new(HandshakeStatus.Invalid, Problem: problem);
}
