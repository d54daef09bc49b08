using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Usher.Admin.Api;
using Usher.Admin.Metrics;

namespace Usher.Admin.Endpoints;

/// <summary><c>GET /healthz</c>, <c>GET /api/status</c>, <c>GET /metrics</c>.</summary>
internal static class StatusEndpoints
{
    public static void Map(IEndpointRouteBuilder app, AdminContext admin, PrometheusExport metrics)
    {
        app.MapMethods("/healthz", ["GET", "HEAD"], Answers.Run(_ => Results.Text("ok\n", "text/plain; charset=utf-8")));
        app.MapGet("/api/status", Answers.Run(context => Answers.UnknownParameter(context.Request)
            ?? Answers.Json(Views.Status(admin), AdminJson.Readable.StatusResponse)));
        app.MapGet("/metrics", async context =>
        {
            context.Response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
            await metrics.WriteAsync(context.Response.Body, context.RequestAborted).ConfigureAwait(false);
        });
    }
}
