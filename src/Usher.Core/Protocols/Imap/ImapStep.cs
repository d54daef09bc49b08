namespace Usher.Protocols.Imap;

/// <summary>The answer of <see cref="ImapLoginReader"/>. Offsets count from the start of the bytes given to it.</summary>
/// <param name="Kind">What to do next.</param>
/// <param name="Forward">Bytes from the start that are complete pre-login commands (CAPABILITY, NOOP, ID, LOGOUT,
/// STARTTLS) and may be relayed to the backend now; for <see cref="ImapStepKind.Login"/> the held command starts
/// here.</param>
/// <param name="Held">For <see cref="ImapStepKind.Login"/>: the length of the held command (after
/// <see cref="Forward"/>), literals and a separate AUTHENTICATE response line included.</param>
/// <param name="Tag">For <see cref="ImapStepKind.Login"/>: the held command's tag, for the tagged NO of a refusal.</param>
/// <param name="User">For <see cref="ImapStepKind.Login"/>: the login (LOGIN user, or the authentication identity of
/// AUTHENTICATE PLAIN).</param>
/// <param name="Continuations">For <see cref="ImapStepKind.Login"/>: the continuation requests (<c>+</c> lines) the
/// gateway answered in the backend's place (one per synchronizing literal, one for AUTHENTICATE PLAIN without an
/// initial response). The backend will send as many once it gets the held command: drop them.</param>
/// <param name="Reply">For <see cref="ImapStepKind.Reply"/>: the bytes to send the client.</param>
/// <param name="Problem">For <see cref="ImapStepKind.Invalid"/>: why (never contains input).</param>
public readonly record struct ImapStep(
    ImapStepKind Kind,
    int Forward = 0,
    int Held = 0,
    string? Tag = null,
    string? User = null,
    int Continuations = 0,
    ReadOnlyMemory<byte> Reply = default,
    string? Problem = null)
{
    /// <summary>Invalid, with the reason.</summary>
    public static ImapStep Invalid(string problem) => new(ImapStepKind.Invalid, Problem: problem);
}
