namespace Usher.Protocols.Imap;

/// <summary>The answer of <see cref="ImapConversation.OnClientBytes"/>.</summary>
/// <param name="Action">What to do.</param>
/// <param name="Reply">For <see cref="ImapClientAction.Reply"/>: the bytes to send the client.</param>
/// <param name="Login">For <see cref="ImapClientAction.Claim"/>: the login of the held command.</param>
/// <param name="Problem">For <see cref="ImapClientAction.Reject"/>: why.</param>
public readonly record struct ImapClientStep(
    ImapClientAction Action,
    ReadOnlyMemory<byte> Reply = default,
    string? Login = null,
    string? Problem = null)
{
    /// <summary>Read more.</summary>
    public static ImapClientStep Read => default;

    /// <summary>Close, because of <paramref name="problem"/>.</summary>
    public static ImapClientStep Reject(string problem) => new(ImapClientAction.Reject, Problem: problem);
}
