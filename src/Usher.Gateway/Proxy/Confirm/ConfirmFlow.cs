using Usher.Protocols.Confirmation;

namespace Usher.Gateway.Proxy.Confirm;

/// <summary>What a session whose identity the backend must confirm keeps until it does: its claim, the watcher of the
/// backend's answers, the backend's bytes not yet passed to the client (a message header, or the accepting answer
/// held while the ledger decides), and the refusal to send instead of that answer. Only the reactor thread touches
/// it.</summary>
internal sealed class ConfirmFlow(IBackendWatcher watcher, ReadOnlyMemory<byte> refusal, string identity)
{
    /// <summary>The backend's bytes read at a time before the confirmation: its authentication exchange, then the
    /// accepting answer with what follows it (PostgreSQL's parameters and ReadyForQuery fit).</summary>
    public const int BufferBytes = 4096;

    /// <summary>Reads the backend's answers.</summary>
    public IBackendWatcher Watcher => watcher;

    /// <summary>Sent to the client instead of the held answer when the ledger refuses the confirmed session.</summary>
    public ReadOnlyMemory<byte> Refusal => refusal;

    /// <summary>The identity claimed.</summary>
    public string Identity => identity;

    /// <summary>Whether the session holds a claim in the listener's <see cref="Ledger.UnconfirmedClaims"/>.</summary>
    public bool Claimed { get; set; }

    /// <summary>Whether the backend connect has completed.</summary>
    public bool Connected { get; set; }

    /// <summary>Whether the backend refused the credentials: its bytes pass as they come, until it closes.</summary>
    public bool Rejected { get; set; }

    /// <summary>The backend's bytes not passed yet, from 0 to <see cref="End"/>; rented while the session confirms.</summary>
    public byte[]? Buffer { get; set; }

    /// <summary>Where the bytes in <see cref="Buffer"/> end.</summary>
    public int End { get; set; }
}
