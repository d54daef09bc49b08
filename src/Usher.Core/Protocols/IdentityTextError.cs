namespace Usher.Protocols;

/// <summary>Why bytes are not usable as an identity.</summary>
internal enum IdentityTextError
{
    None = 0,
    Empty,
    TooLong,
    NotUtf8,
    ControlCharacter,
}
