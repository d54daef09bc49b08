namespace Usher.Configuration;

/// <summary>The configuration's key names: the public contract of the configuration file.</summary>
internal static class ConfigKeys
{
    public const string Root = "Usher";

    public static readonly string[] TopLevel =
        ["Admin", "Ledger", "Defaults", "Listeners", "MaxSessions", "Workers", "ShutdownGrace", "RefusalLogInterval",
        "IdentityHashKeyFile", "Peaks"];

    /// <summary>Top-level sections a reload cannot apply: they take a restart (so does <c>Workers</c>).</summary>
    public static readonly string[] RestartOnly = ["Admin", "Ledger", "IdentityHashKeyFile", "Peaks"];

    public static readonly string[] Peaks = ["Record", "File", "MaxBytes", "SaveInterval"];

    /// <summary>Keys a listener may set itself or inherit from <c>Defaults</c>.</summary>
    public static readonly string[] Inheritable =
    [
        "Identity", "MaxSessionsPerIdentity", "MaxSessions", "Overrides", "OnLimit", "ReclaimWait", "ClosingWait",
        "ProbeMinIdle", "ProbeInterval", "ProbeCount", "TrustedProxies", "SendProxy",
        "Keepalive", "UserTimeout", "IdleTimeout", "HandshakeTimeout", "ConnectTimeout", "ConnectRate", "Tls", "BackendTls",
        "HalfClose", "MaxUnconfirmedPerIdentity", "MaxHandshakesPerSource",
        "IdentityDisplay",
    ];

    public static readonly string[] ListenerOnly = ["Name", "Listen", "Backend"];

    public static readonly string[] Keepalive = ["Idle", "Interval", "Count"];

    public static readonly string[] Admin = ["Listen", "TokenFile", "AllowedHosts"];

    public static readonly string[] Ledger = ["Kind", "Configuration", "LeaseTtl", "FailMode", "Timeout", "Node", "KeyPrefix"];

    public static readonly string[] Tls = ["Certificate", "Key", "ClientCa", "ClientCertificateIdentity"];

    public static readonly string[] BackendTls = ["Ca", "ServerName"];
}
