namespace Usher.Protocols.Imap;

/// <summary>What the gateway does next with an IMAP client.</summary>
public enum ImapStepKind
{
    /// <summary>Relay the bytes up to <see cref="ImapStep.Forward"/> (complete pre-login commands) and read more.</summary>
    NeedMore = 0,
    /// <summary>Relay up to <see cref="ImapStep.Forward"/>, send <see cref="ImapStep.Reply"/> (a continuation request
    /// the held command needs before the client goes on) and read more.</summary>
    Reply,
    /// <summary>A LOGIN or AUTHENTICATE PLAIN is complete and held: the identity is <see cref="ImapStep.User"/>.</summary>
    Login,
    /// <summary>STARTTLS (up to <see cref="ImapStep.Forward"/>): what follows is TLS, in which the login cannot be
    /// read.</summary>
    StartTls,
    /// <summary>Not a pre-login command this reader lets through, or malformed: close.</summary>
    Invalid,
}
