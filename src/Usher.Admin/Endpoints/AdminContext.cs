using Microsoft.AspNetCore.Http;
using Usher.Admin.Dashboard;
using Usher.Gateway;
using Usher.Gateway.Listeners;

namespace Usher.Admin.Endpoints;

/// <summary>What the endpoints share: the gateway they look into and act on, and its refusal counts.</summary>
internal sealed class AdminContext(UsherGateway gateway, RefusalCounts refusals)
{
    public UsherGateway Gateway { get; } = gateway;

    public RefusalCounts Refusals { get; } = refusals;

    /// <summary>The listener a <c>listener</c> query parameter names, or a 400 naming the listeners there are.</summary>
    public IResult? FindListener(string? name, out GatewayListener? listener)
    {
        listener = null;
        if (name is null)
        {
            return null;
        }

        listener = Gateway.Listeners.FirstOrDefault(l => l.Name == name);
        return listener is null
            ? Answers.BadRequest($"no listener is named \"{name}\"; the listeners are {string.Join(", ", Gateway.Listeners.Select(l => $"\"{l.Name}\""))}")
            : null;
    }

    /// <summary>Who is asking, for the log: the admin API and the peer's address.</summary>
    public static string Caller(HttpContext context) =>
        $"the admin API ({context.Connection.RemoteIpAddress}:{context.Connection.RemotePort})";
}
