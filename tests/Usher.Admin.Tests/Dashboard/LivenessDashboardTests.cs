using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Usher.Configuration;
using Usher.Control;
using Usher.Diagnostics;
using Usher.Sessions;
using Usher.Testing;
using static Microsoft.Playwright.Assertions;

namespace Usher.Admin.Tests.Dashboard;

/// <summary>Liveness where operators look: a client in its own network namespace vanishes (iptables DROP, no FIN, no
/// RST), the dashboard marks its session suspect, and its Probe button ends it.</summary>
[Collection(ChromiumCollection.Name)]
public sealed class LivenessDashboardTests(Chromium chromium)
{
    private static readonly TimeSpan Soon = TimeSpan.FromSeconds(15);

    /// <summary>How often the dashboard reads liveness (dashboard.js LIVENESS_MS), and slack for a busy machine.</summary>
    private static readonly TimeSpan PollAndSlack = TimeSpan.FromSeconds(3 + 5);

    [Fact]
    public async Task A_vanished_client_is_marked_suspect_within_the_threshold_and_the_probe_button_ends_it_within_the_probe_budget()
    {
        await using var ns = await Netns.CreateAsync();
        await using var backend = new SessionServer();
        // The listener's own keepalive would take a minute (probes every 2 s, 30 of them): the probe must be faster.
        var listener = new ListenerSettings
        {
            Name = "pg",
            Listen = new IPEndPoint(ns.HostAddress, 0),
            BackendHost = backend.EndPoint.Address.ToString(),
            BackendPort = backend.EndPoint.Port,
            MaxSessionsPerIdentity = 5,
            Keepalive = new KeepaliveSettings(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), 30),
            ProbeInterval = TimeSpan.FromSeconds(1),
            ProbeCount = 2,
        };
        await using var admin = await TestAdmin.StartAsync(listeners: listener);
        var gateway = admin.Gateway.EndPoint;

        // One client stays (from the host), one vanishes (from the namespace).
        using var stays = await TestClient.ConnectAsync(gateway, ns.HostAddress.ToString());
        Assert.True(await stays.IsAdmittedAsync());
        var vanishing = ns.Start("bash", "-c", $"exec 3<>/dev/tcp/{gateway.Address}/{gateway.Port} || exit 1; head -n 1 <&3; exec sleep 120");
        Assert.StartsWith("hello", await vanishing.WaitForLineAsync(l => l.Length > 0, Soon), StringComparison.Ordinal);
        var id = admin.Sessions.List().Single(s => s.Identity == ns.Address.ToString()).Id;
        var stayingId = admin.Sessions.List().Single(s => s.Identity == ns.HostAddress.ToString()).Id;

        await using var dashboard = await DashboardPage.OpenAsync(chromium.Browser, admin.Url);
        var page = dashboard.Page;
        var row = dashboard.Row(id);
        await Expect(row.Locator(".mark")).ToHaveTextAsync("ok", new() { Timeout = 10_000 });
        await Expect(dashboard.Row(stayingId).Locator(".mark")).ToHaveTextAsync("ok");

        await ns.CutOffAsync();
        var sinceCut = Stopwatch.StartNew();

        // Keepalive probes go unanswered; past the threshold the row is marked.
        var within = SessionLiveness.DefaultSuspectAfter + PollAndSlack;
        await Expect(row).ToHaveClassAsync("suspect", new() { Timeout = (float)within.TotalMilliseconds });
        var suspectAfter = sinceCut.Elapsed;
        await Expect(row.Locator(".mark")).ToHaveTextAsync("suspect");
        // Marked for the client's silence (since its last acknowledgement, before the cut), past the threshold.
        var why = await row.Locator(".mark").GetAttributeAsync("title") ?? string.Empty;
        var silent = Regex.Match(why, @"keepalive probe\(s\) unanswered, no answer for ([0-9.]+) s");
        Assert.True(silent.Success, why);
        Assert.True(double.Parse(silent.Groups[1].Value, CultureInfo.InvariantCulture) >= SessionLiveness.DefaultSuspectAfter.TotalSeconds, why);
        Assert.True(suspectAfter <= within, $"marked suspect {suspectAfter.TotalSeconds:0.0} s after the cut");
        await Expect(dashboard.Row(stayingId).Locator(".mark")).ToHaveTextAsync("ok");

        // The filter shows the suspect alone.
        await page.Locator("#suspect-only").CheckAsync();
        await Expect(dashboard.SessionRows).ToHaveCountAsync(1);
        await Expect(page.Locator("#suspect-count")).ToHaveTextAsync("(1)");
        await Expect(dashboard.SessionRows.First).ToHaveAttributeAsync("data-id", id.ToString(CultureInfo.InvariantCulture));

        var budget = listener.ProbeInterval * listener.ProbeCount;
        await row.GetByRole(AriaRole.Button, new() { Name = "Probe" }).ClickAsync();
        var sinceProbe = Stopwatch.StartNew();
        var dead = await admin.Gateway.Logs.WaitForAsync(UsherEvents.PeerDead, budget + TimeSpan.FromSeconds(5));
        var endedAfter = sinceProbe.Elapsed;
        // The probe's window, as the session keeps it: the budget, one more interval, and half a second.
        var window = budget + listener.ProbeInterval + TimeSpan.FromSeconds(0.5);
        Assert.True(endedAfter <= window,
            $"ended {endedAfter.TotalSeconds:0.0} s after the probe; the budget is {budget.TotalSeconds} s, the window {window.TotalSeconds} s");
        Assert.Equal(id, dead["SessionId"]);
        Assert.Equal("client", dead["Side"]);
        var closed = await admin.Gateway.Logs.WaitForAsync(UsherEvents.SessionClosed, Soon, r => Equals(r["SessionId"], id));
        Assert.Equal(CloseReason.ClientDead, closed["CloseReason"]);
        var probed = Assert.Single(admin.Gateway.Logs.WithId(UsherEvents.SessionProbed));
        Assert.Equal(id, probed["SessionId"]);
        Assert.StartsWith("the admin API (127.0.0.1:", (string)probed["By"]!, StringComparison.Ordinal);

        await Expect(row).ToHaveCountAsync(0, new() { Timeout = 3000 });
        await Expect(page.Locator("#events li.probed")).ToContainTextAsync("9663");
        await Expect(page.Locator("#events li.peerDead")).ToContainTextAsync($"session {id}");
        await page.Locator("#suspect-only").UncheckAsync();
        await Expect(dashboard.SessionRows).ToHaveCountAsync(1);
        Assert.Equal(1, admin.Gateway.Gateway.Ledger.Total);
        await stays.SendAsync("still here\n");
        Assert.Equal("still here\n", await stays.ReadAsync());
        Assert.Empty(dashboard.Errors);
    }
}
