namespace Usher.Redis.Cluster;

/// <summary>The operations of the cluster bus (<see cref="BusRequest.Op"/>).</summary>
internal static class BusOps
{
    public const string List = "list";
    public const string Identities = "identities";
    public const string Inspect = "inspect";
    public const string Kill = "kill";
    public const string KillIdentity = "kill-identity";
    public const string Probe = "probe";
    public const string Reclaim = "reclaim";
}
