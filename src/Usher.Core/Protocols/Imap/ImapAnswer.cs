namespace Usher.Protocols.Imap;

/// <summary>The backend's answer to the held login.</summary>
public enum ImapAnswer
{
    /// <summary>Not seen yet.</summary>
    None = 0,
    /// <summary>Tagged OK: the client is logged in.</summary>
    Ok,
    /// <summary>Tagged NO or BAD (or anything but OK): the client is not logged in.</summary>
    Failed,
}
