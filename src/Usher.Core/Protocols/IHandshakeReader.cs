namespace Usher.Protocols;

/// <summary>A pure reader of the first bytes a client sends: it sees every byte received so far (at most
/// <see cref="HandshakeLimits.MaxHandshakeBytes"/>), keeps no state between calls, never throws and allocates nothing
/// but the identity string.</summary>
public interface IHandshakeReader
{
    /// <summary>Reads the handshake from the start of <paramref name="received"/>.</summary>
    /// <param name="received">Every byte the client has sent so far, minus bytes consumed by earlier replies.</param>
    HandshakeResult Read(ReadOnlySpan<byte> received);
}
