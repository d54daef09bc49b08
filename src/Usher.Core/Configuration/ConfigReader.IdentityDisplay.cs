using Microsoft.Extensions.Configuration;
using Usher.Identity;

namespace Usher.Configuration;

/// <summary>How identities are shown: a listener's <c>IdentityDisplay</c> and the key of hashed identities,
/// <c>IdentityHashKeyFile</c>.</summary>
public sealed partial class ConfigReader
{
    /// <summary>The shortest key accepted: a short key can be found by trying, and with it every hashed identity.</summary>
    internal const int MinIdentityKeyLength = 16;

    private const string KeyFix = "openssl rand -hex 32 > /etc/usher/identity.key; chmod 600 /etc/usher/identity.key";

    /// <summary>The listener's <c>IdentityDisplay</c>; <c>null</c> when unset (the default follows the identity).</summary>
    private IdentityDisplay? ReadIdentityDisplay(Layered layered)
    {
        var owner = layered.Pick("IdentityDisplay");
        var text = owner["IdentityDisplay"];
        if (text is null)
        {
            return null;
        }

        if (Enum.TryParse<IdentityDisplay>(text, ignoreCase: true, out var display) && !int.TryParse(text, out _))
        {
            return display;
        }

        Error(owner.GetSection("IdentityDisplay").Path, $"\"{text}\" is not a way to show identities",
            "use one of " + string.Join(", ", Enum.GetNames<IdentityDisplay>()) + " (Hash: a keyed hash, Prefix: the first characters)");
        return null;
    }

    /// <summary>The key file's full path and the key; both <c>null</c> when the key is not set (or in error).</summary>
    private (string? File, byte[]? Key) ReadIdentityHashKey(IConfigurationSection usher)
    {
        var section = usher.GetSection("IdentityHashKeyFile");
        var text = section.Value;
        if (text is null)
        {
            return (null, null);
        }

        if (string.IsNullOrWhiteSpace(text))
        {
            Error(section.Path, "the file name is empty", $"write the path of a file holding the key, e.g. \"/etc/usher/identity.key\" ({KeyFix})");
            return (null, null);
        }

        var full = Path.IsPathRooted(text) ? text : Path.GetFullPath(text, ConfigFolder());
        string key;
        try
        {
            key = File.ReadAllText(full).Trim();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Error(section.Path, $"the file \"{full}\" cannot be read: {e.Message.TrimEnd('.')}",
                $"create it, readable by the user Usher runs as and by no one else ({KeyFix}); a relative path starts at the configuration file's folder");
            return (null, null);
        }

        if (key.Length < MinIdentityKeyLength)
        {
            Error(section.Path, $"the key in \"{full}\" has {key.Length} characters, fewer than {MinIdentityKeyLength}: it could be found by trying, and every hashed identity with it",
                $"write a longer random key, e.g. {KeyFix}");
            return (null, null);
        }

        return (full, IdentityMask.KeyOf(key));
    }
}
