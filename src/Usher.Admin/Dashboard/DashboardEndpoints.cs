using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Usher.Admin.Endpoints;

namespace Usher.Admin.Dashboard;

/// <summary>The dashboard: <c>GET /</c> (and <c>/dashboard</c>) serves one page whose stylesheet and script are
/// embedded in this assembly (no CDN, no build step); <c>POST /api/login</c> gives a browser that showed the token the
/// cookie its <c>EventSource</c> needs; <c>GET /api/events</c> is the live stream the page draws from.</summary>
internal static class DashboardEndpoints
{
    /// <summary>Paths served without a token: the page and its two files hold no data and no secret.</summary>
    public static readonly string[] PublicPaths = ["/", "/dashboard", "/dashboard.css", "/dashboard.js"];

    /// <summary>Event streams open at once; more are answered 503 (each holds one of the endpoint's 64 connections).</summary>
    private const int MaxStreams = 16;

    /// <summary>The page's policy: its own files only, no inline script, no framing.</summary>
    private const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
        + "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    private static readonly Asset Page = Asset.Load("dashboard.html", "text/html; charset=utf-8");
    private static readonly Asset Style = Asset.Load("dashboard.css", "text/css; charset=utf-8");
    private static readonly Asset Script = Asset.Load("dashboard.js", "text/javascript; charset=utf-8");

    public static void Map(WebApplication app, AdminContext admin, StreamLogins? logins)
    {
        app.MapMethods("/", ["GET", "HEAD"], Page.WriteAsync);
        app.MapMethods("/dashboard", ["GET", "HEAD"], Page.WriteAsync);
        app.MapMethods("/dashboard.css", ["GET", "HEAD"], Style.WriteAsync);
        app.MapMethods("/dashboard.js", ["GET", "HEAD"], Script.WriteAsync);
        app.MapPost("/api/login", Answers.Run(context => Login(context, logins)));
        var stopping = app.Lifetime.ApplicationStopping;
        var streams = new StrongBox<int>();
        app.MapGet("/api/events", async context =>
        {
            if (Answers.UnknownParameter(context.Request) is { } bad)
            {
                await bad.ExecuteAsync(context).ConfigureAwait(false);
                return;
            }

            if (Interlocked.Increment(ref streams.Value) > MaxStreams)
            {
                Interlocked.Decrement(ref streams.Value);
                await Answers.Problem(StatusCodes.Status503ServiceUnavailable,
                    $"{MaxStreams} event streams are open already; close a dashboard and try again").ExecuteAsync(context).ConfigureAwait(false);
                return;
            }

            try
            {
                await EventStream.ServeAsync(admin, context, stopping).ConfigureAwait(false);
            }
            finally
            {
                Interlocked.Decrement(ref streams.Value);
            }
        });
    }

    /// <summary>Reached only with the token (the endpoint's authorization runs first): sets the stream's cookie.
    /// Without a configured token there is nothing to prove, and no cookie.</summary>
    private static IResult Login(HttpContext context, StreamLogins? logins)
    {
        if (Answers.UnknownParameter(context.Request) is { } bad)
        {
            return bad;
        }

        if (logins is not null)
        {
            context.Response.Cookies.Append(StreamLogins.CookieName, logins.Issue(), new CookieOptions
            {
                Path = "/api/events",
                HttpOnly = true,
                SameSite = SameSiteMode.Strict,
                Secure = context.Request.IsHttps,
                MaxAge = StreamLogins.Lifetime,
            });
        }

        return Results.NoContent();
    }

    /// <summary>A file embedded in the assembly, read once.</summary>
    private sealed class Asset(byte[] content, string contentType)
    {
        public static Asset Load(string name, string contentType)
        {
            using var stream = typeof(DashboardEndpoints).Assembly.GetManifestResourceStream("Usher.Admin.Dashboard." + name)
                ?? throw new InvalidOperationException($"the dashboard's {name} is not embedded in Usher.Admin");
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            return new Asset(copy.ToArray(), contentType);
        }

        public Task WriteAsync(HttpContext context)
        {
            var response = context.Response;
            response.ContentType = contentType;
            response.ContentLength = content.Length;
            response.Headers.CacheControl = "no-cache";
            response.Headers.ContentSecurityPolicy = ContentSecurityPolicy;
            response.Headers.XContentTypeOptions = "nosniff";
            response.Headers["Referrer-Policy"] = "no-referrer";
            return HttpMethods.IsHead(context.Request.Method) ? Task.CompletedTask : response.Body.WriteAsync(content, context.RequestAborted).AsTask();
        }
    }
}
