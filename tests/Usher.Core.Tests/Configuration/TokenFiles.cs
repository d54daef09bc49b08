namespace Usher.Core.Tests.Configuration;

/// <summary>Token files in a folder of their own for the Admin configuration tests. Deleted on dispose.</summary>
public sealed class TokenFiles : IDisposable
{
    public const string Token = "0123456789abcdef0123456789abcdef";

    public TokenFiles()
    {
        Directory.CreateDirectory(Folder);
        File.WriteAllText(Good, $"  {Token}\n");
        File.WriteAllText(Empty, "\n \n");
        File.WriteAllText(TooShort, "secret\n");
        File.WriteAllText(TwoWords, "0123456789abcdef 0123456789abcdef\n");
    }

    public string Folder { get; } = Path.Combine(Path.GetTempPath(), $"usher-token-{Environment.ProcessId}-{Guid.NewGuid():N}");

    /// <summary>The token with spaces around it and a line break, as an editor or <c>echo</c> leaves it.</summary>
    public string Good => Path.Combine(Folder, "admin.token");

    public string Empty => Path.Combine(Folder, "empty.token");

    public string TooShort => Path.Combine(Folder, "short.token");

    public string TwoWords => Path.Combine(Folder, "two-words.token");

    public string Missing => Path.Combine(Folder, "missing.token");

    public void Dispose() => Directory.Delete(Folder, recursive: true);
}
