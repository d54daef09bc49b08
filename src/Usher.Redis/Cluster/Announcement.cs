namespace Usher.Redis.Cluster;

/// <summary>What came of a node's announcement in the registry.</summary>
/// <param name="Reached">Whether Redis answered.</param>
/// <param name="Holder">The instance that holds the node's name when another process does; empty when this one does
/// (or Redis did not answer).</param>
/// <param name="Lapses">When the other holder's announcement lapses unless it renews it.</param>
internal readonly record struct Announcement(bool Reached, string Holder, DateTimeOffset Lapses)
{
    /// <summary>The name is this process's.</summary>
    public static Announcement Held => new(true, string.Empty, default);

    /// <summary>Redis did not answer: nothing changed.</summary>
    public static Announcement Unreachable => new(false, string.Empty, default);

    /// <summary>Another live process announces the same name.</summary>
    public bool Taken => Holder.Length > 0;
}
