using Usher.Ledger;

namespace Usher.Protocols;

/// <summary>A listener's protocol: how to learn a session's identity from the client's first bytes, and how to tell
/// a refused client why, in words its software understands.</summary>
public interface IHandshakeProtocol
{
    /// <summary>The identity kind's name, for events.</summary>
    string KindName { get; }

    /// <summary>Reads the client's bytes so far (pure; called again from the start as more arrive).</summary>
    HandshakeResult Read(ReadOnlySpan<byte> received);

    /// <summary>What to send a refused client before closing its connection; empty to just close.</summary>
    ReadOnlyMemory<byte> Refusal(ReadOnlySpan<byte> received, string identity, Admission refusal);

    /// <summary>What to send a client whose handshake (<paramref name="received"/>) is invalid for
    /// <paramref name="problem"/> before closing its connection, when its protocol has words for it; empty (the
    /// default) to just close.</summary>
    ReadOnlyMemory<byte> Rejection(ReadOnlySpan<byte> received, string problem) => ReadOnlyMemory<byte>.Empty;
}
