namespace Usher.Configuration;

/// <summary>What a valid configuration still does unsafely: said by <c>usher check</c>, <c>usher doctor</c> and
/// <c>usher run</c> (which starts all the same), in the words of a <see cref="ConfigError"/>.</summary>
public static class ConfigWarnings
{
    /// <summary>The warnings about <paramref name="settings"/>, none when all is well.</summary>
    public static IReadOnlyList<ConfigError> Of(GatewaySettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var warnings = new List<ConfigError>();
        if (settings.Admin?.TokenFile is { } file && TokenFileMode(file) is { } mode && (mode & OthersAndGroup) != 0)
        {
            warnings.Add(new ConfigError(settings.Source, "Usher:Admin:TokenFile",
                $"the token file \"{file}\" has mode {Octal(mode)}: its group or others can read or change the token, and with it list and kill sessions",
                $"chmod 600 {file} (readable by the user Usher runs as alone)"));
        }

        if (settings.Ledger is { Kind: LedgerKind.Redis } ledger)
        {
            warnings.Add(new ConfigError(settings.Source, "Usher:Ledger",
                $"the limits (MaxSessionsPerIdentity, Overrides, a listener's MaxSessions) are read from each node's own configuration, and the nodes sharing the Redis keys \"{ledger.KeyPrefix}\" count against them by listener name: a node with other limits or listener names admits by its own",
                "deploy one configuration file to every node (only Ledger:Node differs), and run `usher doctor --config` on each"));
            if (ledger.NodeIsMachineName)
            {
                warnings.Add(new ConfigError(settings.Source, "Usher:Ledger:Node",
                    $"no node name is given, so this node is called \"{ledger.Node}\", the machine's name: a second node on this machine (or on a copy of it) would take the same name, and of two live nodes with one name only one answers the cluster's requests (9666)",
                    "write \"Node\": \"gw-a\" (a name of its own on each node)"));
            }
        }

        return warnings;
    }

    private const UnixFileMode OthersAndGroup = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute
        | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    private static UnixFileMode? TokenFileMode(string file)
    {
        if (OperatingSystem.IsWindows())
        {
            return null;
        }

        try
        {
            return File.GetUnixFileMode(file);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static string Octal(UnixFileMode mode) => "0" + Convert.ToString((int)mode & 0x1FF, 8).PadLeft(3, '0');
}
