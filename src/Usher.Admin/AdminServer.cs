using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Usher.Admin.Dashboard;
using Usher.Admin.Endpoints;
using Usher.Admin.Metrics;
using Usher.Configuration;
using Usher.Control;

namespace Usher.Admin;

/// <summary>The admin endpoint of one gateway: Kestrel (HTTP/1.1, plain) bound to <c>Admin:Listen</c> alone, serving
/// the JSON API, <c>/metrics</c> and <c>/healthz</c>. With a token configured, every endpoint but <c>/healthz</c>
/// wants <c>Authorization: Bearer &lt;token&gt;</c>. <c>usher run</c> hosts it beside the gateway; tests start it
/// directly.</summary>
public sealed class AdminServer : IAsyncDisposable
{
    /// <summary>Connections the admin endpoint holds at once; Kestrel closes more as they come. An admin API needs
    /// few, and a flood of them must not take descriptors the gateway's sessions need.</summary>
    private const int MaxConnections = 64;

    private readonly AdminSettings _settings;
    private readonly WebApplication _app;
    private readonly PrometheusExport _metrics;
    private readonly RefusalCounts _refusals;
    private readonly StreamLogins? _logins;
    private readonly ILogger _logger;
    private readonly int _adopted;
    private int _disposed;

    /// <summary>Creates the endpoint; nothing listens until <see cref="StartAsync"/>.</summary>
    /// <param name="settings">Where to listen, and the token.</param>
    /// <param name="gateway">The gateway the API shows and acts on. On a graceful restart, the running Usher's socket
    /// on <c>Admin:Listen</c> is taken from it (<see cref="IGatewayControl.TakeInheritedSocket"/>) and adopted instead
    /// of bound (the old process still holds that address).</param>
    /// <param name="loggerFactory">Where its events (9658, 9659) and Kestrel's go.</param>
    /// <param name="cluster">The nodes sharing the gateway's ledger (a Redis ledger): the API then lists, kills and
    /// probes across them; <c>null</c> shows this gateway alone.</param>
    public AdminServer(AdminSettings settings, IGatewayControl gateway, ILoggerFactory loggerFactory, IClusterControl? cluster = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(gateway);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        _settings = settings;
        _logger = loggerFactory.CreateLogger("Usher.Admin");

        _adopted = settings.Listen.Port == 0 ? -1 : gateway.TakeInheritedSocket(settings.Listen);

        // The empty builder reads no appsettings.json, environment or command line: Admin:Listen alone says where.
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { ApplicationName = "Usher.Admin" });
        builder.WebHost.UseKestrelCore().ConfigureKestrel(o =>
        {
            o.AddServerHeader = false;
            o.Limits.MaxConcurrentConnections = MaxConnections;
            o.Limits.MaxRequestBodySize = 16 * 1024;
            if (_adopted >= 0)
            {
                o.ListenHandle((ulong)_adopted, l => Configure(l, gateway));
            }
            else
            {
                o.Listen(settings.Listen, l => Configure(l, gateway));
            }
        });
        builder.Services.AddRoutingCore();
        builder.Services.AddLogging();
        builder.Services.AddSingleton(loggerFactory);
        _app = builder.Build();

        _metrics = new PrometheusExport(gateway);
        _refusals = new RefusalCounts(gateway.Meter);
        var admin = new AdminContext(gateway, _refusals, cluster);
        var hosts = new HostCheck(settings);
        _app.Use(next => context => CheckHost(context, hosts, next));
        if (settings.Token is { } token)
        {
            var bearer = new BearerToken(token);
            _logins = new StreamLogins(gateway.Time);
            _app.Use(next => context => Authorize(context, bearer, _logins, next));
        }

        StatusEndpoints.Map(_app, admin, _metrics);
        SessionEndpoints.Map(_app, admin);
        IdentityEndpoints.Map(_app, admin);
        NodeEndpoints.Map(_app, admin);
        DashboardEndpoints.Map(_app, admin, _logins);
        _app.MapFallback(Answers.Run(context => Answers.NotFound(
            $"no endpoint {context.Request.Method} {context.Request.Path}; the API has GET /api/status, GET /api/sessions, "
            + "GET|DELETE /api/sessions/{id}, DELETE /api/sessions?listener=&identity=, GET /api/identities, GET /api/nodes, GET /api/events, "
            + "POST /api/login, GET /metrics, GET /healthz, and the dashboard at GET /")));
    }

    /// <summary>Where the endpoint listens (the real port when configured with port 0), once started.</summary>
    public Uri? Url { get; private set; }

    /// <summary>Starts listening.</summary>
    /// <exception cref="AdminListenException">The address cannot be bound.</exception>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            await _app.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (IOException e)
        {
            var why = (e.InnerException ?? e).Message.TrimEnd('.');
            throw new AdminListenException($"the admin endpoint cannot listen on {_settings.Listen}: {why}", e);
        }

        // Port 0: only the server knows the port the kernel chose. An adopted socket is where Admin:Listen says.
        var address = _adopted >= 0 ? null
            : _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault();
        Url = new Uri(address ?? $"http://{_settings.Listen}");
        var url = Url.ToString().TrimEnd('/');
        await AdminWarmUp.RunAsync(Url, _settings.Token, cancellationToken).ConfigureAwait(false);
        var access = _settings.RequiresToken ? $"bearer token from {_settings.TokenFile}" : "no token: loopback only";
        _logger.AdminStarted(url, _adopted >= 0 ? access + "; socket taken over" : access);
    }

    /// <summary>Stops listening; requests under way get a moment to finish.</summary>
    public Task StopAsync(CancellationToken cancellationToken = default) => _app.StopAsync(cancellationToken);

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _app.DisposeAsync().ConfigureAwait(false);
        _metrics.Dispose();
        _refusals.Dispose();
    }

    /// <summary>Every request, token or not: its <c>Host</c> must name this endpoint (421 otherwise), and a request
    /// that changes state must not come from another page (403).</summary>
    private Task CheckHost(HttpContext context, HostCheck hosts, RequestDelegate next)
    {
        var request = context.Request;
        var host = request.Host.Value ?? string.Empty;
        var (status, why, fix) = hosts.RefuseHost(host) is { } wrongHost
            ? (StatusCodes.Status421MisdirectedRequest, wrongHost, "reach it by its address or localhost, or add the name to Admin:AllowedHosts")
            : ChangesState(request.Method) && HostCheck.RefuseOrigin(request.Headers.Origin.ToString(), host) is { } wrongOrigin
                ? (StatusCodes.Status403Forbidden, wrongOrigin, "send it from the endpoint's own dashboard, or from a client that is no web page (curl, usher kill)")
                : (0, null, null);
        if (why is null)
        {
            return next(context);
        }

        var remote = $"{context.Connection.RemoteIpAddress}:{context.Connection.RemotePort}";
        _logger.AdminUnauthorized(request.Method, request.Path.ToString(), remote, why);
        return Answers.Problem(status, $"{why}; {fix}").ExecuteAsync(context);
    }

    private static bool ChangesState(string method) =>
        !(HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || HttpMethods.IsOptions(method) || HttpMethods.IsTrace(method));

    /// <summary>HTTP/1.1, and every connection's descriptor taken from the gateway's budget, or from the few set aside
    /// for the admin endpoint when connections have spent it, so the endpoint answers under a flood and never runs
    /// the process out of descriptors; past both, a connection is closed at once.</summary>
    private static void Configure(ListenOptions listen, IGatewayControl budget)
    {
        listen.Protocols = HttpProtocols.Http1;
        listen.Use(next => connection =>
        {
            if (!budget.TryTakeAdminDescriptor(out var beyond))
            {
                connection.Abort();
                return Task.CompletedTask;
            }

            return Serve(connection, next, budget, beyond);
        });
    }

    private static async Task Serve(ConnectionContext connection, ConnectionDelegate next, IGatewayControl budget, bool beyond)
    {
        try
        {
            await next(connection).ConfigureAwait(false);
        }
        finally
        {
            budget.ReleaseAdminDescriptor(beyond);
        }
    }

    private Task Authorize(HttpContext context, BearerToken bearer, StreamLogins logins, RequestDelegate next)
    {
        var path = context.Request.Path;
        var read = HttpMethods.IsGet(context.Request.Method) || HttpMethods.IsHead(context.Request.Method);
        if (path.Equals("/healthz", StringComparison.Ordinal)
            || (read && DashboardEndpoints.PublicPaths.Contains(path.Value, StringComparer.Ordinal)))
        {
            return next(context);
        }

        var why = bearer.Refuse(context.Request.Headers.Authorization.ToString());
        if (why is null)
        {
            return next(context);
        }

        // EventSource cannot send a header: the stream (and it alone) also takes the cookie of POST /api/login.
        if (read && path.Equals("/api/events", StringComparison.Ordinal)
            && logins.Admits(context.Request.Cookies[StreamLogins.CookieName]))
        {
            return next(context);
        }

        var method = context.Request.Method;
        var remote = $"{context.Connection.RemoteIpAddress}:{context.Connection.RemotePort}";
        _logger.AdminUnauthorized(method, path.ToString(), remote, why);
        context.Response.Headers.WWWAuthenticate = "Bearer realm=\"usher\"";
        return Answers.Problem(StatusCodes.Status401Unauthorized,
            $"{why}: send \"Authorization: Bearer <token>\" with the token from the file Admin:TokenFile names").ExecuteAsync(context);
    }
}
