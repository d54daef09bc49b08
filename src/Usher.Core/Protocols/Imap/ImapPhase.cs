namespace Usher.Protocols.Imap;

/// <summary>Where an IMAP session is before its login is settled.</summary>
public enum ImapPhase
{
    /// <summary>The backend connect is under way; the client's bytes wait.</summary>
    Connecting = 0,
    /// <summary>The backend's greeting and answers are relayed; the client's commands are read and the pre-login
    /// ones forwarded.</summary>
    Reading,
    /// <summary>A LOGIN / AUTHENTICATE (or STARTTLS) is complete and held while the ledger decides.</summary>
    Admitting,
    /// <summary>Admitted: the held login goes to the backend (once it has answered everything before it), and
    /// nothing more from the client until the backend answers it.</summary>
    Held,
    /// <summary>Settled: the session is relayed as any other.</summary>
    Relaying,
    /// <summary>Refused, but the backend still owes answers to commands the client sent before the login (a client
    /// that pipelined CAPABILITY and LOGIN): they are relayed, then the refusal follows.</summary>
    Refusing,
}
