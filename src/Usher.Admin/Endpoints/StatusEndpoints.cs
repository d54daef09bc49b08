using System.Reflection;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Usher.Admin.Api;
using Usher.Admin.Metrics;
using Usher.Gateway;

namespace Usher.Admin.Endpoints;

/// <summary><c>GET /healthz</c>, <c>GET /api/status</c>, <c>GET /metrics</c>.</summary>
internal static class StatusEndpoints
{
    /// <summary>Usher's version as built (informational version, with the commit when the build knew it).</summary>
    public static string Version { get; } =
        typeof(UsherGateway).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? typeof(UsherGateway).Assembly.GetName().Version?.ToString() ?? "unknown";

    public static void Map(IEndpointRouteBuilder app, AdminContext admin, PrometheusExport metrics)
    {
        app.MapMethods("/healthz", ["GET", "HEAD"], Answers.Run(_ => Results.Text("ok\n", "text/plain; charset=utf-8")));
        app.MapGet("/api/status", Answers.Run(context => Answers.UnknownParameter(context.Request) ?? Status(admin)));
        app.MapGet("/metrics", async context =>
        {
            context.Response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
            await metrics.WriteAsync(context.Response.Body, context.RequestAborted).ConfigureAwait(false);
        });
    }

    private static IResult Status(AdminContext admin)
    {
        var gateway = admin.Gateway;
        var now = gateway.Time.GetUtcNow();
        var started = gateway.StartedAt ?? now;
        var listeners = gateway.Listeners
            .Select(l => new ListenerStatus(l.Name, l.LocalEndPoint.ToString(), l.Settings.Backend, l.Open,
                l.Settings.MaxSessionsPerIdentity, l.Settings.OnLimit.ToString()))
            .ToList();
        var status = new StatusResponse(Version, started, (long)(now - started).TotalSeconds, gateway.Registry.Count,
            new LedgerStatus(gateway.Ledger.Total, gateway.MaxSessions), listeners);
        return Answers.Json(status, AdminJson.Readable.StatusResponse);
    }
}
