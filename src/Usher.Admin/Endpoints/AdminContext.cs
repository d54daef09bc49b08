using Microsoft.AspNetCore.Http;
using Usher.Admin.Dashboard;
using Usher.Control;

namespace Usher.Admin.Endpoints;

/// <summary>What the endpoints share: the gateway they look into and act on, and its refusal counts.</summary>
internal sealed class AdminContext(IGatewayControl gateway, RefusalCounts refusals)
{
    public IGatewayControl Gateway { get; } = gateway;

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
