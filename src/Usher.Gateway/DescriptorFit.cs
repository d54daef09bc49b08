using Usher.Configuration;
using Usher.Gateway.Engine;

namespace Usher.Gateway;

/// <summary>Whether a configuration can be served at all under an open-files limit: <c>usher run</c> holds about
/// <see cref="RuntimeBaseline"/> descriptors before its first session (the runtime keeps every assembly it loaded open),
/// <see cref="AdminBaseline"/> more once the admin endpoint has answered, the reserve of the
/// <see cref="DescriptorBudget"/>, one listening socket per listener and reactor, and each connection takes two.
/// <c>usher check</c> and <c>usher run</c> refuse a configuration that would leave no room for
/// <see cref="ConnectionsPerListener"/> connections per listener.</summary>
public static class DescriptorFit
{
    /// <summary>Descriptors <c>usher run</c> holds before its first session, without the admin endpoint (125 measured).</summary>
    public const int RuntimeBaseline = 128;

    /// <summary>What the admin endpoint adds once it has answered every kind of request (86 measured).</summary>
    public const int AdminBaseline = 88;

    /// <summary>The fewest connections each listener must have room for.</summary>
    public const int ConnectionsPerListener = 2;

    /// <summary>Descriptors <paramref name="settings"/> needs at the least under <paramref name="limit"/>.</summary>
    public static long Needed(GatewaySettings settings, long limit)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var listeners = settings.Listeners.Count;
        var workers = settings.Workers ?? Environment.ProcessorCount;
        return RuntimeBaseline + (settings.Admin is null ? 0 : AdminBaseline) + DescriptorBudget.ReserveFor(limit)
            + ((long)listeners * workers) + (2L * ConnectionsPerListener * listeners);
    }

    /// <summary>The problem, when the open-files limit of this process is too small for <paramref name="settings"/>;
    /// <c>null</c> when it fits (or the limit is unknown).</summary>
    public static ConfigError? Check(GatewaySettings settings, long? limit)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (limit is not { } files || Needed(settings, files) is var needed && needed <= files)
        {
            return null;
        }

        return new ConfigError(settings.Source, "(open-files limit)",
            $"the open-files limit (RLIMIT_NOFILE) is {files}, and {settings.Listeners.Count} listener(s)"
            + (settings.Admin is null ? string.Empty : " and the admin endpoint")
            + $" need at least {needed} descriptors: the runtime holds about {RuntimeBaseline}"
            + (settings.Admin is null ? string.Empty : $", the admin endpoint {AdminBaseline}")
            + $", the reserve is {DescriptorBudget.ReserveFor(files)}, and each listener needs room for {ConnectionsPerListener} connections (two descriptors each)",
            $"raise the limit to at least {needed} (`ulimit -n {needed}`, or LimitNOFILE={needed} in the systemd unit), or serve fewer listeners");
    }
}
