using Microsoft.Playwright;
using Usher.Testing;
using static Microsoft.Playwright.Assertions;

namespace Usher.EndToEnd.Tests.Redis;

/// <summary>The dashboard of one node of a cluster in a real Chromium: two real <c>usher run</c> processes (gw-a,
/// gw-b) share one redis-server, and node A's page shows and acts on the sessions of both.</summary>
public sealed class ClusterDashboardTests(RedisServer redis, Chromium chromium) : IClassFixture<RedisServer>, IClassFixture<Chromium>
{
    private static readonly TimeSpan Soon = EndToEnd.Soon;

    /// <summary>How long the page may take to show what changed: a frame a second, from two nodes, on a busy machine.</summary>
    private static readonly LocatorAssertionsToHaveTextOptions Shown = new() { Timeout = 15_000 };

    [Fact]
    public async Task Node_a_s_page_lists_the_sessions_of_both_nodes_each_with_its_node_counts_the_identity_across_them_and_names_a_node_that_stops_answering()
    {
        await using var backend = new SessionServer();
        await using var cluster = await StartAsync(backend);
        using var onA = await ConnectAsync(cluster["gw-a"]);
        using var onB = await ConnectAsync(cluster["gw-b"]);
        await using var dashboard = await DashboardPage.OpenAsync(chromium.Browser, new Uri(cluster["gw-a"].Admin));
        var page = dashboard.Page;

        await Expect(dashboard.SessionRows).ToHaveCountAsync(2, new() { Timeout = 15_000 });
        var mine = dashboard.Row("gw-a:1");
        var theirs = dashboard.Row("gw-b:1");
        await Expect(mine.Locator("td").Nth(0)).ToHaveTextAsync("gw-a:1");
        await Expect(theirs.Locator("td").Nth(0)).ToHaveTextAsync("gw-b:1");
        await Expect(mine).ToContainTextAsync(onA.Socket.LocalEndPoint!.ToString()!);
        await Expect(theirs).ToContainTextAsync(onB.Socket.LocalEndPoint!.ToString()!);
        await Expect(page.Locator("#sessions-count")).ToHaveTextAsync("(2)");

        var identity = page.Locator("#identities tbody tr");
        await Expect(identity).ToHaveCountAsync(1);
        await Expect(identity.Locator("td").Nth(1)).ToHaveTextAsync("127.0.0.2");
        await Expect(identity.Locator("td").Nth(2)).ToHaveTextAsync("2", Shown);
        await Expect(identity.Locator("td").Nth(3)).ToHaveTextAsync("4");
        await Expect(identity.Locator(".nodes")).ToHaveTextAsync("gw-a 1 · gw-b 1");
        await Expect(page.Locator("#node")).ToHaveTextAsync("gw-a");
        await Expect(page.Locator("#not-answering")).ToBeHiddenAsync();

        // The filter finds a node's sessions by its name.
        await page.Locator("#filter").FillAsync("gw-b");
        await Expect(dashboard.SessionRows).ToHaveCountAsync(1);
        await Expect(theirs).ToBeVisibleAsync();
        await page.Locator("#filter").FillAsync(string.Empty);

        // gw-b dies (its announcement lives on until LeaseTtl): the page says its sessions are missing, not that they ended.
        await cluster["gw-b"].KillAsync();
        await Expect(page.Locator("#not-answering")).ToHaveTextAsync(
            "Node gw-b did not answer in time: its sessions are not listed and identities not counted.", Shown);
        await Expect(dashboard.SessionRows).ToHaveCountAsync(1);
        await Expect(mine).ToBeVisibleAsync();
        await Expect(identity.Locator(".nodes")).ToHaveTextAsync("gw-a 1");
        await Expect(page.Locator("#live")).ToHaveTextAsync("live");
        Assert.Empty(dashboard.Errors);
    }

    [Fact]
    public async Task Kill_on_node_a_s_page_closes_the_session_where_it_runs_on_node_b_and_its_row_goes()
    {
        await using var backend = new SessionServer();
        await using var cluster = await StartAsync(backend);
        var (a, b) = (cluster["gw-a"], cluster["gw-b"]);
        using var onA = await ConnectAsync(a);
        using var onB = await ConnectAsync(b);
        await using var dashboard = await DashboardPage.OpenAsync(chromium.Browser, new Uri(a.Admin));
        var theirs = dashboard.Row("gw-b:1");
        await Expect(theirs).ToBeVisibleAsync(new() { Timeout = 15_000 });
        string? asked = null;
        dashboard.Page.Dialog += async (_, dialog) =>
        {
            asked = dialog.Message;
            await dialog.AcceptAsync();
        };

        // Whether the row, once gone, comes back (a frame taken before the kill ended the session must not bring it).
        await dashboard.Page.EvaluateAsync("""
            () => {
              let gone = false;
              window.reappeared = false;
              new MutationObserver(() => {
                if (!document.querySelector("#sessions tbody tr[data-id='gw-b:1']")) gone = true;
                else if (gone) window.reappeared = true;
              }).observe(document.querySelector('#sessions tbody'), { childList: true });
            }
            """);

        await theirs.GetByRole(AriaRole.Button, new() { Name = "Kill" }).ClickAsync();

        Assert.Null(await onB.ReadAsync(Soon));
        var closed = await b.Process.WaitForLineAsync(l => l.Contains("\"EventId\":9642", StringComparison.Ordinal), Soon);
        Assert.Contains("Killed", closed, StringComparison.Ordinal);
        var killed = Assert.Single(b.Entries(9653));
        Assert.Contains("on node gw-a", killed.GetProperty("Message").GetString(), StringComparison.Ordinal);
        Assert.StartsWith("Kill session gw-b:1 of \"127.0.0.2\" on listener \"tcp\"?", asked, StringComparison.Ordinal);
        await Expect(theirs).ToHaveCountAsync(0, new() { Timeout = 15_000 });
        await Expect(dashboard.SessionRows).ToHaveCountAsync(1);
        await Expect(dashboard.Row("gw-a:1")).ToBeVisibleAsync();
        await Expect(dashboard.Page.Locator("#identities tbody tr td").Nth(2)).ToHaveTextAsync("1", Shown);
        Assert.False(await dashboard.Page.EvaluateAsync<bool>("() => window.reappeared"), "the killed session's row came back");
        await Expect(dashboard.Page.Locator("#notice")).ToBeHiddenAsync();
        Assert.Empty(a.Entries(9653));
        await onA.SendAsync("still here\n");
        Assert.Equal("still here\n", await onA.ReadAsync(Soon));
        Assert.Empty(dashboard.Errors);
    }

    [Fact]
    public async Task Probe_on_node_a_s_page_probes_the_session_on_node_b_and_a_live_client_keeps_it()
    {
        await using var backend = new SessionServer();
        await using var cluster = await StartAsync(backend);
        var (a, b) = (cluster["gw-a"], cluster["gw-b"]);
        using var onB = await ConnectAsync(b);
        await using var dashboard = await DashboardPage.OpenAsync(chromium.Browser, new Uri(a.Admin));
        var theirs = dashboard.Row("gw-b:1");
        await Expect(theirs.Locator(".mark")).ToHaveTextAsync("ok", Shown);
        var probe = theirs.GetByRole(AriaRole.Button, new() { Name = "Probe" });

        await probe.ClickAsync();

        await Expect(theirs.Locator(".mark")).ToHaveTextAsync("probing");
        await Expect(probe).ToBeDisabledAsync();
        var probed = await b.Process.WaitForLineAsync(l => l.Contains("\"EventId\":9663", StringComparison.Ordinal), Soon);
        Assert.Contains("on node gw-a: its client has 3 s to answer 3 keepalive probe(s)", probed, StringComparison.Ordinal);
        Assert.Empty(a.Entries(9663));
        // The client answers its keepalive probes: after the budget (1 s × 3) the session is still there, and so is the button.
        await Expect(probe).ToBeEnabledAsync(new() { Timeout = 15_000 });
        await Expect(theirs.Locator(".mark")).ToHaveTextAsync("ok", Shown);
        Assert.Empty(b.Entries(9648));
        await onB.SendAsync("still here\n");
        Assert.Equal("still here\n", await onB.ReadAsync(Soon));
        await Expect(dashboard.Page.Locator("#notice")).ToBeHiddenAsync();
        Assert.Empty(dashboard.Errors);
    }

    /// <summary>gw-a and gw-b, one listener whose identity (the source address) may hold 4 sessions; a probe gives the
    /// client 3 s, time enough to see the session probing on a busy machine.</summary>
    private Task<GatewayCluster> StartAsync(SessionServer backend) => GatewayCluster.StartAsync(redis, 2,
        $$"""
        [ { "Name": "tcp", "Listen": "127.0.0.1:0", "Backend": "{{backend.EndPoint}}", "MaxSessionsPerIdentity": 4,
            "ProbeInterval": "00:00:01", "ProbeCount": 3 } ]
        """);

    private static async Task<TestClient> ConnectAsync(GatewayNode node)
    {
        var client = await TestClient.ConnectAsync(node.Listen, "127.0.0.2");
        Assert.True(await client.IsAdmittedAsync(), $"not admitted on {node}");
        return client;
    }
}
