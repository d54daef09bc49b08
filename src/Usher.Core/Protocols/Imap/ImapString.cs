namespace Usher.Protocols.Imap;

/// <summary>Where an astring's content is: an atom, the inside of a quoted string (with escapes still in), or a
/// literal's bytes.</summary>
internal readonly record struct ImapString(int Start, int Length, bool Escaped);
