namespace Usher.Protocols;

/// <summary>Bounds shared by every handshake reader.</summary>
public static class HandshakeLimits
{
    /// <summary>The most bytes a handshake may take. A reader that has seen this many bytes without a complete
    /// handshake answers <see cref="HandshakeStatus.Invalid"/>, never <see cref="HandshakeStatus.NeedMore"/>.</summary>
    public const int MaxHandshakeBytes = 16 * 1024;

    /// <summary>The longest identity, in UTF-8 bytes, a reader returns.</summary>
    public const int MaxIdentityBytes = 256;

    /// <summary>The problem of a handshake over <see cref="MaxHandshakeBytes"/>.</summary>
    public const string TooLarge = "handshake larger than 16 KB";

    internal static HandshakeResult TooLargeResult => HandshakeResult.Invalid(TooLarge);

    /// <summary>NeedMore, unless the bytes seen already fill the bound: then the handshake can never complete.</summary>
    internal static HandshakeResult NeedMoreWithin(int received) =>
        received >= MaxHandshakeBytes ? TooLargeResult : HandshakeResult.NeedMore;
}
