using System.Collections.Frozen;
using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace Usher.Configuration;

/// <summary><c>Overrides</c>: per-identity limits, in two forms. The object form <c>{ "svc-backup": 200 }</c> suits
/// simple names; the array form <c>[ { "Identity": "2001:db8::7", "Limit": 5 } ]</c> takes any identity, for the
/// configuration splits object keys on <c>:</c> (an IPv6 address, <c>alice@2001:db8::7</c>, <c>urn:tenant:1</c>).</summary>
public sealed partial class ConfigReader
{
    private static readonly string[] OverrideEntryKeys = ["Identity", "Limit"];

    private FrozenDictionary<string, int> ReadOverrides(Layered layered)
    {
        var merged = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var s in layered.Sections.Reverse())
        {
            var overrides = s.GetSection("Overrides");
            if (overrides.Value is { Length: > 0 } single)
            {
                Error(overrides.Path, $"\"{single}\" must be an object or a list",
                    """write e.g. { "svc-backup": 200 } or [ { "Identity": "2001:db8::7", "Limit": 5 } ]""");
            }

            foreach (var entry in overrides.GetChildren())
            {
                var read = entry.Value is not null ? ObjectOverride(entry)
                    : IsOverrideEntry(entry) ? ArrayOverride(entry)
                    : SplitOverride(overrides, entry);
                if (read is { } pair)
                {
                    merged[pair.Identity] = pair.Limit;
                }
            }
        }

        return merged.ToFrozenDictionary(StringComparer.Ordinal);
    }

    private static bool IsOverrideEntry(IConfigurationSection entry) =>
        entry.GetChildren().Any(c => OverrideEntryKeys.Contains(c.Key, StringComparer.OrdinalIgnoreCase));

    /// <summary><c>"identity": limit</c>.</summary>
    private (string Identity, int Limit)? ObjectOverride(IConfigurationSection entry) =>
        Limit(entry, entry.Value, $"\"{entry.Key}\": 200") is { } limit ? (entry.Key, limit) : null;

    /// <summary><c>{ "Identity": "…", "Limit": n }</c>.</summary>
    private (string Identity, int Limit)? ArrayOverride(IConfigurationSection entry)
    {
        CheckKnownKeys(entry, OverrideEntryKeys);
        var identity = entry["Identity"];
        if (string.IsNullOrEmpty(identity))
        {
            Error(entry.GetSection("Identity").Path, "the key is missing",
                """name the identity, e.g. { "Identity": "2001:db8::7", "Limit": 5 }""");
            return null;
        }

        var text = entry["Limit"];
        if (text is null)
        {
            Error(entry.GetSection("Limit").Path, "the key is missing",
                $$"""write the identity's session limit, e.g. { "Identity": "{{identity}}", "Limit": 5 }""");
            return null;
        }

        return Limit(entry.GetSection("Limit"), text, "\"Limit\": 5") is { } limit ? (identity, limit) : null;
    }

    /// <summary>An object key holding <c>:</c>, which the configuration split into nested keys: the identity is put
    /// back together to name it, and the fix is the array form.</summary>
    private (string Identity, int Limit)? SplitOverride(IConfigurationSection overrides, IConfigurationSection entry)
    {
        foreach (var (key, value) in entry.AsEnumerable())
        {
            if (value is null)
            {
                continue;
            }

            var identity = key[(overrides.Path.Length + 1)..];
            Error(overrides.Path + ConfigurationPath.KeyDelimiter + identity,
                $"the identity \"{identity}\" holds ':', which the configuration reads as nested keys",
                $$"""use the array form, which takes any identity: "Overrides": [ { "Identity": "{{identity}}", "Limit": {{value}} } ]""");
        }

        return null;
    }

    private int? Limit(IConfigurationSection at, string? text, string example)
    {
        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var limit) && limit >= 0)
        {
            return limit;
        }

        Error(at.Path, $"\"{text}\" is not a session limit", $"write a whole number of sessions, 0 or more, e.g. {example}");
        return null;
    }
}
