namespace Usher.Protocols.Imap;

/// <summary>How far a piece of a command line could be read.</summary>
internal enum ImapParse
{
    Ok = 0,
    /// <summary>The input ends inside it.</summary>
    NeedMore,
    /// <summary>The input ends right after a synchronizing literal's header: the client waits for <c>+</c>.</summary>
    NeedContinuation,
    Invalid,
}
