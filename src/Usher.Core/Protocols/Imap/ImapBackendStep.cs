namespace Usher.Protocols.Imap;

/// <summary>The answer of <see cref="ImapConversation.OnBackendBytes"/>.</summary>
/// <param name="Pass">How many bytes at the start of the filtered chunk go to the client now.</param>
/// <param name="Answer">The backend's answer to the held login, when this chunk held it: <see cref="ImapAnswer.Ok"/>
/// (the rest of the chunk is held while the ledger admits: <see cref="ImapConversation.Admitted"/>) or
/// <see cref="ImapAnswer.Failed"/> (the claim ends and the client's bytes after the login are read afresh, from
/// <paramref name="Settled"/> on).</param>
/// <param name="Settled">For <see cref="ImapAnswer.Failed"/>: where, in the client's bytes given so far, the refused
/// login ended; the session drops the bytes before it and gives the conversation the rest from offset 0.</param>
/// <param name="Before">Backend bytes of earlier chunks, held as the login's answer, that go to the client before
/// this chunk's (the login failed, or they were more than a login's answer).</param>
public readonly record struct ImapBackendStep(
    int Pass,
    ImapAnswer Answer = ImapAnswer.None,
    int Settled = 0,
    ReadOnlyMemory<byte> Before = default);
