using System.CommandLine;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Usher.Admin;
using Usher.Admin.Api;
using Usher.Cli.Commands;
using Usher.Configuration;
using Usher.Diagnostics;
using Usher.Gateway;

namespace Usher.Cli.Demo;

/// <summary><c>usher demo</c>: a gateway in front of a built-in session server, clients driven past a low limit,
/// and, as root, a client that vanishes, found dead and its slot freed. Runs on embedded defaults in under a minute.</summary>
internal static class DemoCommand
{
    public static Command Create()
    {
        var command = new Command("demo", "Show Usher at work: session limits, event 9646, a vanished client freed.");
        command.SetAction(async (_, cancellationToken) => await RunAsync(cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        var n = new Narrator();
        await using var backend = new DemoBackend(n.Say);
        VanishingClient? vanishing = null;
        if (VanishingClient.CanRun(out var why))
        {
            try
            {
                vanishing = VanishingClient.Create();
            }
            catch (InvalidOperationException e)
            {
                why = e.Message;
            }
        }

        try
        {
            var settings = LoadSettings(backend.Port, vanishing);
            using var loggerFactory = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Debug)
                .AddFilter("Microsoft", LogLevel.Warning)
                .AddProvider(new DemoConsoleLoggerProvider(n.Event)));
            await using var gateway = new UsherGateway(settings, loggerFactory);
            gateway.Start();
            await using var admin = settings.Admin is { } adminSettings ? new AdminServer(adminSettings, gateway.Control, loggerFactory) : null;
            if (admin is not null)
            {
                await admin.StartAsync(cancellationToken);
            }

            var port = gateway.Listener("demo").LocalEndPoint.Port;
            var limit = settings.Listeners[0].MaxSessionsPerIdentity;
            n.Step($"Usher listens on 127.0.0.1:{port} in front of a session server on 127.0.0.1:{backend.Port}.");
            n.Say($"Each client address may hold {limit} sessions; keepalive {settings.Listeners[0].Keepalive.Idle.TotalSeconds:0} s idle, " +
                  $"{settings.Listeners[0].Keepalive.Interval.TotalSeconds:0} s × {settings.Listeners[0].Keepalive.Count} probes.");

            var ok = await LimitsAsync(n, port, limit);
            ok &= admin is null || await AdminAsync(n, admin.Url!, port, cancellationToken);
            ok &= vanishing is null ? Skip(n, why) : await VanishAsync(n, gateway, vanishing, backend);

            n.Step("Stopping: open sessions drain, then close with reason Shutdown.");
            await gateway.StopAsync(TimeSpan.FromSeconds(1), cancellationToken);
            await Task.Delay(200, cancellationToken);
            n.Say($"Ledger total {gateway.Ledger.Total}, backend sessions open {backend.Open}.");
            n.Step(ok ? "Demo complete." : "Demo finished with unexpected results (see above).");
            return ok ? 0 : 1;
        }
        finally
        {
            vanishing?.Dispose();
        }
    }

    private static async Task<bool> LimitsAsync(Narrator n, int port, int limit)
    {
        n.Step($"{limit + 1} clients connect from 127.0.0.1; the limit is {limit}.");
        var clients = new List<Socket>();
        for (var i = 1; i <= limit; i++)
        {
            var (socket, line) = await ConnectAsync("127.0.0.1", port);
            clients.Add(socket);
            n.Good($"client {i} admitted: \"{line}\"");
            await n.WaitForAsync(UsherEvents.SessionOpened, TimeSpan.FromSeconds(2));
        }

        var (extra, refused) = await ConnectAsync("127.0.0.1", port);
        var refusal = await n.WaitForAsync(UsherEvents.SessionLimitExceeded, TimeSpan.FromSeconds(3));
        var ok = refused is null && refusal is not null;
        if (ok)
        {
            n.Bad($"client {limit + 1} refused: Usher closed its connection before the backend saw it (event 9646 above)");
        }

        extra.Dispose();

        n.Step("Another address, 127.0.0.2, is counted apart.");
        var (other, otherLine) = await ConnectAsync("127.0.0.2", port);
        ok &= otherLine is not null;
        n.Good($"client from 127.0.0.2 admitted: \"{otherLine}\"");
        await n.WaitForAsync(UsherEvents.SessionOpened, TimeSpan.FromSeconds(2));
        other.Dispose();
        await n.WaitForAsync(UsherEvents.SessionClosed, TimeSpan.FromSeconds(3));

        n.Step("Client 1 logs off: its slot is released at once.");
        clients[0].Dispose();
        ok &= await n.WaitForAsync(UsherEvents.SessionClosed, TimeSpan.FromSeconds(3)) is not null;
        var (again, againLine) = await ConnectAsync("127.0.0.1", port);
        ok &= againLine is not null;
        n.Good($"client {limit + 1} tries again and is admitted: \"{againLine}\"");
        await n.WaitForAsync(UsherEvents.SessionOpened, TimeSpan.FromSeconds(2));
        clients[0] = again;

        foreach (var c in clients)
        {
            c.Dispose();
        }

        for (var i = 0; i < clients.Count; i++)
        {
            await n.WaitForAsync(UsherEvents.SessionClosed, TimeSpan.FromSeconds(3));
        }

        n.Drain();
        return ok;
    }

    /// <summary>An operator's view: the sessions listed through the admin API (as <c>usher sessions</c> prints them),
    /// one killed (as <c>usher kill</c> does).</summary>
    private static async Task<bool> AdminAsync(Narrator n, Uri url, int port, CancellationToken cancellationToken)
    {
        var where = url.ToString().TrimEnd('/');
        n.Step($"Two clients connect from 127.0.0.4; an operator lists the sessions: usher sessions --admin {where}");
        var (first, firstLine) = await ConnectAsync("127.0.0.4", port);
        await n.WaitForAsync(UsherEvents.SessionOpened, TimeSpan.FromSeconds(2));
        var (second, secondLine) = await ConnectAsync("127.0.0.4", port);
        await n.WaitForAsync(UsherEvents.SessionOpened, TimeSpan.FromSeconds(2));
        using var client = new AdminClient(new AdminTarget(url, null));
        try
        {
            var (_, sessions) = await client.SendAsync(HttpMethod.Get, "/api/sessions?identity=127.0.0.4&fresh=true",
                AdminJson.Default.IReadOnlyListSessionView, cancellationToken);
            foreach (var line in SessionTable.Render(sessions, DateTimeOffset.UtcNow).Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries))
            {
                n.Say(line);
            }

            var victim = sessions.Count > 0 ? sessions[0].Id : 0;
            n.Step($"The operator kills session {victim}: usher kill {victim}. Both sides close, and its slot is free.");
            var (_, killed) = await client.SendAsync(HttpMethod.Delete, $"/api/sessions/{victim}", AdminJson.Default.KillResult, cancellationToken);
            var logged = await n.WaitForAsync(UsherEvents.SessionKilled, TimeSpan.FromSeconds(3));
            var victimSocket = sessions.Count > 0 && sessions[0].Client == first.LocalEndPoint?.ToString() ? first : second;
            var ended = await EndedAsync(victimSocket);
            var (_, left) = await client.SendAsync(HttpMethod.Get, "/api/sessions?identity=127.0.0.4&fresh=true",
                AdminJson.Default.IReadOnlyListSessionView, cancellationToken);
            var ok = firstLine is not null && secondLine is not null && sessions.Count == 2 && killed.Closed && logged is not null
                && ended && left.Count == 1;
            if (ok)
            {
                n.Good($"session {victim} killed (event 9653), its client saw the connection close; 127.0.0.4 holds {left.Count} session{(left.Count == 1 ? string.Empty : "s")} now");
            }
            else
            {
                n.Bad("the admin API did not list and kill the sessions as expected");
            }

            return ok;
        }
        catch (AdminCommandException e)
        {
            n.Bad("the admin API failed: " + e.Message);
            return false;
        }
        finally
        {
            first.Dispose();
            second.Dispose();
            await n.WaitForAsync(UsherEvents.SessionClosed, TimeSpan.FromSeconds(3));
            n.Drain();
        }
    }

    /// <summary>Whether the gateway closed the socket's connection (its read ends) within a few seconds.</summary>
    private static async Task<bool> EndedAsync(Socket socket)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(3));
        try
        {
            return await socket.ReceiveAsync(new byte[256], SocketFlags.None, cts.Token) == 0;
        }
        catch (SocketException)
        {
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private static bool Skip(Narrator n, string why)
    {
        n.Step("A vanished client (network namespace): skipped, " + why + ".");
        return true;
    }

    private static async Task<bool> VanishAsync(Narrator n, UsherGateway gateway, VanishingClient client, DemoBackend backend)
    {
        var listener = gateway.Listener("demo-vpn");
        n.Step($"A laptop on a VPN ({client.ClientAddress}, in its own network namespace) connects through {listener.LocalEndPoint}.");
        var line = await client.ConnectAsync(listener.LocalEndPoint.Port);
        if (line is null)
        {
            n.Bad("the namespaced client could not connect");
            return false;
        }

        n.Good($"admitted: \"{line}\"; backend sessions open: {backend.Open}");
        await n.WaitForAsync(UsherEvents.SessionOpened, TimeSpan.FromSeconds(2));
        var how = client.Vanish();
        var started = Environment.TickCount64;
        n.Step($"The VPN drops ({how}): no FIN, no RST. Without Usher the server would keep this session for 2 h 11 min.");
        var dead = await n.WaitForAsync(UsherEvents.PeerDead, TimeSpan.FromSeconds(15));
        var closed = await n.WaitForAsync(UsherEvents.SessionClosed, TimeSpan.FromSeconds(3));
        await Task.Delay(300);
        var seconds = (Environment.TickCount64 - started) / 1000.0;
        if (dead is null || closed is null)
        {
            n.Bad("the vanished client was not detected in time");
            return false;
        }

        n.Good($"found dead after {seconds:0.0} s by keepalive; Usher closed the backend connection, the server freed the session " +
               $"(backend sessions open: {backend.Open}) and the identity's slot is free (ledger total {gateway.Ledger.Total}).");
        return true;
    }

    private static async Task<(Socket Socket, string? FirstLine)> ConnectAsync(string from, int port)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Parse(from), 0));
        await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port));
        var buffer = new byte[256];
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(3));
        try
        {
            var read = await socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token);
            return (socket, read == 0 ? null : Encoding.ASCII.GetString(buffer, 0, read).TrimEnd());
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            return (socket, null);
        }
    }

    private static GatewaySettings LoadSettings(int backendPort, VanishingClient? vanishing)
    {
        using var json = typeof(DemoCommand).Assembly.GetManifestResourceStream("Usher.Demo.json")!;
        var overrides = new Dictionary<string, string?>
        {
            ["Usher:Listeners:0:Backend"] = $"127.0.0.1:{backendPort}",
            ["Usher:Peaks:Record"] = "false",
        };
        if (vanishing is not null)
        {
            overrides["Usher:Listeners:1:Name"] = "demo-vpn";
            overrides["Usher:Listeners:1:Listen"] = $"{vanishing.HostAddress}:0";
            overrides["Usher:Listeners:1:Backend"] = $"127.0.0.1:{backendPort}";
            overrides["Usher:Listeners:1:MaxSessionsPerIdentity"] = "3";
        }

        var configuration = new ConfigurationBuilder().AddJsonStream(json).AddInMemoryCollection(overrides).Build();
        return ConfigReader.Read(configuration, "(embedded demo defaults)");
    }
}
