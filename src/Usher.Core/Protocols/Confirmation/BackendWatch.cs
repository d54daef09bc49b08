namespace Usher.Protocols.Confirmation;

/// <summary>The answer of an <see cref="IBackendWatcher"/>.</summary>
/// <param name="Verdict">What the backend said.</param>
/// <param name="Passed">How many bytes at the start of the ones shown may go to the client now. For
/// <see cref="BackendVerdict.Confirmed"/> the rest (the accepting message and what follows) is held; for
/// <see cref="BackendVerdict.Pending"/> the rest is an incomplete message header, shown again with the next bytes.</param>
public readonly record struct BackendWatch(BackendVerdict Verdict, int Passed)
{
    /// <summary>Undecided; <paramref name="passed"/> bytes may go.</summary>
    public static BackendWatch Pending(int passed) => new(BackendVerdict.Pending, passed);

    /// <summary>Accepted at <paramref name="held"/>: the bytes before it go, the rest is held.</summary>
    public static BackendWatch Confirmed(int held) => new(BackendVerdict.Confirmed, held);

    /// <summary>Refused: all <paramref name="length"/> bytes go.</summary>
    public static BackendWatch Rejected(int length) => new(BackendVerdict.Rejected, length);
}
