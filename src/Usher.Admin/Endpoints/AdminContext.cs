using Microsoft.AspNetCore.Http;
using Usher.Admin.Dashboard;
using Usher.Control;

namespace Usher.Admin.Endpoints;

/// <summary>What the endpoints share: the gateway they look into and act on, its refusal counts, and the cluster it
/// is a node of (a Redis ledger), if any.</summary>
internal sealed class AdminContext(IGatewayControl gateway, RefusalCounts refusals, IClusterControl? cluster = null)
{
    public IGatewayControl Gateway { get; } = gateway;

    /// <summary>The nodes sharing this gateway's ledger; <c>null</c> with the in-memory ledger (this node alone).</summary>
    public IClusterControl? Cluster { get; } = cluster;

    public RefusalCounts Refusals { get; } = refusals;

    /// <summary>A 400 naming the listeners there are when a <c>listener</c> query parameter names none of them;
    /// <c>null</c> when it names one, or is not given.</summary>
    public IResult? UnknownListener(string? name)
    {
        if (name is null)
        {
            return null;
        }

        var listeners = Gateway.Listeners;
        return listeners.Any(l => l.Name == name)
            ? null
            : Answers.BadRequest($"no listener is named \"{name}\"; the listeners are {string.Join(", ", listeners.Select(l => $"\"{l.Name}\""))}");
    }

    /// <summary>Who is asking, for the log: the admin API and the peer's address.</summary>
    public static string Caller(HttpContext context) =>
        $"the admin API ({context.Connection.RemoteIpAddress}:{context.Connection.RemotePort})";
}
