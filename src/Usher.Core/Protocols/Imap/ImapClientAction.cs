namespace Usher.Protocols.Imap;

/// <summary>What the session does after <see cref="ImapConversation.OnClientBytes"/>.</summary>
public enum ImapClientAction
{
    /// <summary>Send the client's allowed commands to the backend (<see cref="ImapConversation.ToBackend"/>) and read
    /// more.</summary>
    Read = 0,
    /// <summary>Send <see cref="ImapClientStep.Reply"/> to the client (a continuation request the held command needs),
    /// then as <see cref="Read"/>.</summary>
    Reply,
    /// <summary>A LOGIN or AUTHENTICATE PLAIN is complete and held: claim <see cref="ImapClientStep.Login"/>, then
    /// <see cref="ImapConversation.Claimed"/> lets it through to the backend.</summary>
    Claim,
    /// <summary>STARTTLS is held: the login will be inside TLS, so admit the session by its source address.</summary>
    AdmitBySource,
    /// <summary>Close: <see cref="ImapClientStep.Problem"/> says why (never contains input).</summary>
    Reject,
}
