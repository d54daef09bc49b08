namespace Usher.Protocols.Confirmation;

/// <summary>What the backend has said so far about the credentials a client presented.</summary>
public enum BackendVerdict
{
    /// <summary>Not decided yet: the bytes read so far pass to the client (those counted as passed).</summary>
    Pending = 0,
    /// <summary>The backend accepted the credentials: the bytes from the accepting message on are held until the
    /// gateway admits the session.</summary>
    Confirmed,
    /// <summary>The backend refused them (or answered in a way that accepts nothing): every byte passes to the client,
    /// and the session never becomes confirmed.</summary>
    Rejected,
}
