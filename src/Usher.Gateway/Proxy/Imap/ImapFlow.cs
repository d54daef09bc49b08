using Usher.Ledger;
using Usher.Protocols.Imap;

namespace Usher.Gateway.Proxy.Imap;

/// <summary>What an IMAP session keeps until its login is settled: where it is, which of the client's bytes (offsets
/// in the session's handshake buffer) went to the backend, the held login, its claim until the backend answers it,
/// and the backend's OK while the ledger admits. Only IMAP sessions have one, and only the reactor thread touches it.</summary>
internal sealed class ImapFlow
{
    /// <summary>The phase.</summary>
    public ImapPhase Phase { get; set; }

    /// <summary>Client bytes sent to the backend end here.</summary>
    public int Relayed { get; set; }

    /// <summary>Client bytes allowed to the backend end here: complete pre-login commands, then the held login.</summary>
    public int ForwardEnd { get; set; }

    /// <summary>The buffer's length when a continuation request was last answered: each is answered once.</summary>
    public int RepliedAt { get; set; } = -1;

    /// <summary>The held command ends here (it starts at <see cref="ForwardEnd"/> until it is sent).</summary>
    public int HeldEnd { get; private set; }

    /// <summary>The held command's tag, for a refusal and to find the backend's answer.</summary>
    public string? Tag { get; private set; }

    /// <summary>Whether the held command is STARTTLS (the login will not be seen).</summary>
    public bool StartTls { get; private set; }

    /// <summary>The continuation requests the gateway answered for the held command.</summary>
    public int Continuations { get; private set; }

    /// <summary>Whether the held command was let through to the backend.</summary>
    public bool HeldSent { get; private set; }

    /// <summary>The identity the held login claims among the unconfirmed claims, until the backend answers it;
    /// <c>null</c> when it holds no claim.</summary>
    public string? Claimed { get; set; }

    /// <summary>The backend's OK to the login and what followed it, held while the ledger admits the session.</summary>
    public byte[]? HeldAnswer { get; set; }

    /// <summary>The refusal that waits for the backend's last answers (<see cref="ImapPhase.Refusing"/>).</summary>
    public Admission Refusal { get; set; }

    /// <summary>The backend's lines.</summary>
    public ImapBackendLines Lines { get; } = new();

    /// <summary>Allows the client's bytes up to <paramref name="end"/> to the backend: complete command lines.</summary>
    public void Allow(ReadOnlySpan<byte> buffer, int end)
    {
        if (end > ForwardEnd)
        {
            Lines.Forwarded(buffer[ForwardEnd..end].Count((byte)'\n'));
            ForwardEnd = end;
        }
    }

    /// <summary>A complete LOGIN / AUTHENTICATE (or STARTTLS) from <see cref="ForwardEnd"/> to <paramref name="end"/>
    /// waits for admission.</summary>
    public void Hold(int end, string tag, int continuations, bool startTls)
    {
        HeldEnd = end;
        Tag = tag;
        Continuations = continuations;
        StartTls = startTls;
        HeldSent = false;
        Phase = ImapPhase.Admitting;
    }

    /// <summary>Lets the held login through once the backend has answered every command before it, so that its
    /// answer is the next tagged line.</summary>
    /// <returns><c>true</c> when it was let through now.</returns>
    public bool TryReleaseHeld()
    {
        if (Phase != ImapPhase.Held || HeldSent || Lines.Outstanding > 0)
        {
            return false;
        }

        HeldSent = true;
        ForwardEnd = HeldEnd;
        Lines.Await(Tag!, Continuations);
        return true;
    }

    /// <summary>The backend refused the login: what the client sent after it is read afresh, from offset 0.</summary>
    public void Restart()
    {
        Relayed = 0;
        ForwardEnd = 0;
        HeldEnd = 0;
        RepliedAt = -1;
        Tag = null;
        Continuations = 0;
        HeldSent = false;
        Phase = ImapPhase.Reading;
    }
}
