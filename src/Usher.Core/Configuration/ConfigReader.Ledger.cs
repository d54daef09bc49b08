using Microsoft.Extensions.Configuration;

namespace Usher.Configuration;

/// <summary>The <c>Ledger</c> section: where sessions are counted. This build counts in memory only; a section that
/// asks for another kind is an error, never silently ignored (a Redis ledger is planned).</summary>
public sealed partial class ConfigReader
{
    /// <summary>The ledger kinds this build has.</summary>
    internal static readonly string[] LedgerKinds = ["InMemory"];

    /// <summary>Ledger kinds that are planned but not part of this build.</summary>
    private static readonly string[] PlannedLedgerKinds = ["Redis"];

    private void ReadLedger(IConfigurationSection usher)
    {
        var section = usher.GetSection("Ledger");
        if (!section.Exists())
        {
            return;
        }

        if (section.Value is { Length: > 0 } text)
        {
            Error(section.Path, $"\"{text}\" must be an object", """write "Ledger": { "Kind": "InMemory" }, or leave the section out""");
            return;
        }

        var kind = section["Kind"];
        var path = section.GetSection("Kind").Path;
        if (string.IsNullOrWhiteSpace(kind))
        {
            Error(path, "the key is missing", """write "Kind": "InMemory" (the only ledger in this build), or leave the Ledger section out""");
            return;
        }

        if (PlannedLedgerKinds.Contains(kind, StringComparer.OrdinalIgnoreCase))
        {
            Error(path, $"the {kind} ledger is not available in this build (it is planned; sessions are counted in memory)",
                """remove the Ledger section, or write "Kind": "InMemory" """.TrimEnd());
            return;
        }

        if (!LedgerKinds.Contains(kind, StringComparer.OrdinalIgnoreCase))
        {
            Error(path, $"\"{kind}\" is not a ledger kind", "write \"InMemory\" (the only ledger in this build), or leave the Ledger section out");
            return;
        }

        CheckKnownKeys(section, ConfigKeys.Ledger);
    }
}
