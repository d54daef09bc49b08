namespace Usher.Control;

/// <summary>How one node answered a cluster call.</summary>
public enum NodeOutcome
{
    /// <summary>It did what was asked; the answer carries the value.</summary>
    Done,

    /// <summary>No open session there has the id.</summary>
    NoSuchSession,

    /// <summary>It refused (the session is ending already, an identity prefix names several); the answer says why.</summary>
    Refused,

    /// <summary>It did not answer within the call's wait (or the store is away).</summary>
    NotAnswering,

    /// <summary>No node alive has that name.</summary>
    UnknownNode,
}
