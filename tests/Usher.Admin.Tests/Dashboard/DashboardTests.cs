using Microsoft.Playwright;
using Usher.Configuration;
using Usher.Diagnostics;
using Usher.Identity;
using Usher.Testing;
using static Microsoft.Playwright.Assertions;

namespace Usher.Admin.Tests.Dashboard;

/// <summary>The dashboard in a real Chromium against a real gateway with real TCP clients: what an operator sees and
/// does.</summary>
[Collection(ChromiumCollection.Name)]
public sealed class DashboardTests(Chromium chromium)
{
    private static readonly TimeSpan Soon = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task The_page_loads_without_console_errors_and_open_sessions_appear_within_two_seconds()
    {
        await using var backend = new SessionServer();
        await using var admin = await TestAdmin.StartAsync(listeners: TestGateway.Listener(backend.EndPoint, "pg").With(maxSessionsPerIdentity: 3));
        await using var dashboard = await DashboardPage.OpenAsync(chromium.Browser, admin.Url);
        var page = dashboard.Page;
        await Expect(page.Locator("#live")).ToHaveTextAsync("live", new() { Timeout = 10_000 });
        await Expect(page.Locator("#listeners .card h3")).ToHaveTextAsync("pg");
        await Expect(dashboard.SessionRows).ToHaveCountAsync(0);

        using var alice = await TestClient.ConnectAsync(admin.Gateway.EndPoint, "127.0.0.2");
        using var alice2 = await TestClient.ConnectAsync(admin.Gateway.EndPoint, "127.0.0.2");
        using var bob = await TestClient.ConnectAsync(admin.Gateway.EndPoint, "127.0.0.3");

        await Expect(dashboard.SessionRows).ToHaveCountAsync(3, new() { Timeout = 2000 });
        var aliceRow = page.Locator("#sessions tbody tr", new() { HasText = alice.Socket.LocalEndPoint!.ToString() });
        await Expect(aliceRow).ToContainTextAsync("127.0.0.2");
        await Expect(aliceRow).ToContainTextAsync(backend.EndPoint.ToString());
        await Expect(page.Locator("#sessions-total")).ToHaveTextAsync($"3 / {admin.Gateway.Gateway.MaxSessions}");
        var top = page.Locator("#identities tbody tr").First;
        await Expect(top).ToContainTextAsync("127.0.0.2");
        await Expect(top.Locator("td").Nth(2)).ToHaveTextAsync("2");
        await Expect(top.Locator("td").Nth(3)).ToHaveTextAsync("3");

        // The filter box narrows the table.
        await page.Locator("#filter").FillAsync("127.0.0.3");
        await Expect(dashboard.SessionRows).ToHaveCountAsync(1);
        await page.Locator("#filter").FillAsync(string.Empty);
        await Expect(dashboard.SessionRows).ToHaveCountAsync(3);

        // A client that leaves disappears.
        bob.Socket.Shutdown(System.Net.Sockets.SocketShutdown.Both);
        await Expect(dashboard.SessionRows).ToHaveCountAsync(2, new() { Timeout = 2000 });
        Assert.Empty(dashboard.Errors);
    }

    [Fact]
    public async Task A_refusal_shows_up_in_recent_events_and_the_identity_at_its_limit_is_highlighted()
    {
        await using var backend = new SessionServer();
        await using var admin = await TestAdmin.StartAsync(listeners: TestGateway.Listener(backend.EndPoint, "pg").With(maxSessionsPerIdentity: 1));
        await using var dashboard = await DashboardPage.OpenAsync(chromium.Browser, admin.Url);
        await Expect(dashboard.Page.Locator("#live")).ToHaveTextAsync("live", new() { Timeout = 10_000 });
        using var first = await TestClient.ConnectAsync(admin.Gateway.EndPoint, "127.0.0.2");
        Assert.True(await first.IsAdmittedAsync());

        using var refused = await TestClient.ConnectAsync(admin.Gateway.EndPoint, "127.0.0.2");
        Assert.Null(await refused.ReadAsync());

        var refusal = dashboard.Page.Locator("#events li.refused");
        await Expect(refusal).ToHaveCountAsync(1, new() { Timeout = 2000 });
        await Expect(refusal).ToContainTextAsync("9646");
        await Expect(refusal).ToContainTextAsync("\"127.0.0.2\" on pg refused at 1/1");
        await Expect(dashboard.Page.Locator("#identities tbody tr.full")).ToContainTextAsync("127.0.0.2");

        // More refusals of the same identity fold into the same line.
        using var again = await TestClient.ConnectAsync(admin.Gateway.EndPoint, "127.0.0.2");
        Assert.Null(await again.ReadAsync());
        await Expect(refusal).ToContainTextAsync("×2", new() { Timeout = 2000 });
        await Expect(dashboard.Page.Locator("#events li")).ToHaveCountAsync(1);
        Assert.Empty(dashboard.Errors);
    }

    [Fact]
    public async Task Kill_after_the_confirm_dialog_closes_the_session_on_both_sides_and_its_row_goes()
    {
        await using var backend = new EofBackend();
        await using var admin = await TestAdmin.StartAsync(listeners: TestGateway.Listener(backend.EndPoint, "pg"));
        using var keep = await TestClient.ConnectAsync(admin.Gateway.EndPoint, "127.0.0.2");
        Assert.Equal("hello 1\n", await keep.ReadAsync());
        using var victim = await TestClient.ConnectAsync(admin.Gateway.EndPoint, "127.0.0.3");
        Assert.Equal("hello 2\n", await victim.ReadAsync());
        var id = admin.Sessions.List().Single(s => s.Identity == "127.0.0.3").Id;
        await using var dashboard = await DashboardPage.OpenAsync(chromium.Browser, admin.Url);
        var page = dashboard.Page;
        await Expect(dashboard.Row(id)).ToBeVisibleAsync(new() { Timeout = 10_000 });
        string? asked = null;
        page.Dialog += async (_, dialog) =>
        {
            asked = dialog.Message;
            await dialog.AcceptAsync();
        };

        await dashboard.Row(id).GetByRole(AriaRole.Button, new() { Name = "Kill" }).ClickAsync();

        Assert.Null(await victim.ReadAsync(Soon));
        Assert.Equal("eof", await backend.EndOf(2).WaitAsync(Soon));
        await Expect(dashboard.Row(id)).ToHaveCountAsync(0, new() { Timeout = 2000 });
        await Expect(dashboard.SessionRows).ToHaveCountAsync(1);
        Assert.StartsWith($"Kill session {id} of \"127.0.0.3\" on listener \"pg\"?", asked, StringComparison.Ordinal);
        await Expect(page.Locator("#events li.killed")).ToContainTextAsync("9653", new() { Timeout = 2000 });
        await Expect(page.Locator("#events li.closed")).ToContainTextAsync($"session {id} of \"127.0.0.3\" on pg closed: Killed");
        var closed = await admin.Gateway.Logs.WaitForAsync(UsherEvents.SessionClosed, Soon, r => Equals(r["SessionId"], id));
        Assert.Equal("Killed", closed["CloseReason"]!.ToString());
        await keep.SendAsync("still here\n");
        Assert.Equal("still here\n", await keep.ReadAsync());
        Assert.Empty(dashboard.Errors);
    }

    [Fact]
    public async Task A_dismissed_confirm_kills_nothing()
    {
        await using var backend = new SessionServer();
        await using var admin = await TestAdmin.StartAsync(listeners: TestGateway.Listener(backend.EndPoint, "pg"));
        using var client = await TestClient.ConnectAsync(admin.Gateway.EndPoint, "127.0.0.2");
        Assert.True(await client.IsAdmittedAsync());
        var id = Assert.Single(admin.Sessions.List()).Id;
        await using var dashboard = await DashboardPage.OpenAsync(chromium.Browser, admin.Url);
        var dismissed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        dashboard.Page.Dialog += async (_, dialog) =>
        {
            await dialog.DismissAsync();
            dismissed.TrySetResult();
        };

        await dashboard.Row(id).GetByRole(AriaRole.Button, new() { Name = "Kill" }).ClickAsync(new() { Timeout = 10_000 });
        await dismissed.Task.WaitAsync(Soon);

        await Expect(dashboard.Row(id)).ToBeVisibleAsync();
        Assert.Equal(1, admin.Sessions.Count);
        Assert.Empty(admin.Gateway.Logs.WithId(UsherEvents.SessionKilled));
    }

    [Fact]
    public async Task With_a_token_the_page_asks_for_it_once_and_works_after_it_is_entered()
    {
        await using var backend = new SessionServer();
        await using var admin = await TestAdmin.StartAsync(token: TestAdmin.Token, listeners: TestGateway.Listener(backend.EndPoint, "pg"));
        using var client = await TestClient.ConnectAsync(admin.Gateway.EndPoint, "127.0.0.2");
        Assert.True(await client.IsAdmittedAsync());
        var id = Assert.Single(admin.Sessions.List()).Id;
        await using var dashboard = await DashboardPage.OpenAsync(chromium.Browser, admin.Url);
        var page = dashboard.Page;
        Assert.DoesNotContain(TestAdmin.Token, await page.ContentAsync(), StringComparison.Ordinal);
        await Expect(page.Locator("#login")).ToBeVisibleAsync(new() { Timeout = 10_000 });
        await Expect(page.Locator("#main")).ToBeHiddenAsync();

        // A wrong token is refused, and asked again.
        await page.Locator("#token").FillAsync("not-the-token-at-all");
        await page.Locator("#login button").ClickAsync();
        await Expect(page.Locator("#login-error")).ToHaveTextAsync("That token was refused.");

        await page.Locator("#token").FillAsync(TestAdmin.Token);
        await page.Locator("#login button").ClickAsync();

        await Expect(page.Locator("#live")).ToHaveTextAsync("live", new() { Timeout = 10_000 });
        await Expect(page.Locator("#login")).ToBeHiddenAsync();
        await Expect(dashboard.Row(id)).ToBeVisibleAsync(new() { Timeout = 2000 });
        Assert.Equal(TestAdmin.Token, await page.EvaluateAsync<string>("sessionStorage.getItem('usher-token')"));

        // A reload keeps the tab's token: no second question.
        await page.ReloadAsync();
        await Expect(page.Locator("#live")).ToHaveTextAsync("live", new() { Timeout = 10_000 });
        await Expect(page.Locator("#login")).ToBeHiddenAsync();

        // Kill sends the token too.
        page.Dialog += async (_, dialog) => await dialog.AcceptAsync();
        await dashboard.Row(id).GetByRole(AriaRole.Button, new() { Name = "Kill" }).ClickAsync();
        Assert.Null(await client.ReadAsync(Soon));
        await Expect(dashboard.Row(id)).ToHaveCountAsync(0, new() { Timeout = 2000 });
        Assert.DoesNotContain(admin.Gateway.Logs.Records, r => r.Message.Contains(TestAdmin.Token, StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_API_key_shows_on_the_page_as_its_hash_in_sessions_identities_and_events_and_never_in_clear()
    {
        await using var backend = new SessionServer();
        var listener = TestGateway.Listener(backend.EndPoint, "api");
        await using var admin = await TestAdmin.StartAsync(listeners: new ListenerSettings
        {
            Name = listener.Name, Listen = listener.Listen, BackendHost = listener.BackendHost, BackendPort = listener.BackendPort,
            UserTimeout = listener.UserTimeout, Identity = IdentityKind.HttpHeader, IdentityArgument = "X-Api-Key", MaxSessionsPerIdentity = 1,
        });
        var key = "sk_live_" + System.Security.Cryptography.RandomNumberGenerator.GetHexString(24, lowercase: true);
        var hash = new IdentityMask(IdentityDisplay.Hash, IdentityMask.ProcessKey).Show(key);
        await using var dashboard = await DashboardPage.OpenAsync(chromium.Browser, admin.Url);
        var page = dashboard.Page;
        await Expect(page.Locator("#live")).ToHaveTextAsync("live", new() { Timeout = 10_000 });
        var request = $"GET / HTTP/1.1\r\nHost: api\r\nX-Api-Key: {key}\r\n\r\n";
        using var client = await TestClient.ConnectAsync(admin.Gateway.EndPoint);
        await client.SendAsync(request);
        Assert.True(await client.IsAdmittedAsync());
        using var refused = await TestClient.ConnectAsync(admin.Gateway.EndPoint);
        await refused.SendAsync(request);
        Assert.StartsWith("HTTP/1.1 429", await refused.ReadAsync(Soon), StringComparison.Ordinal);

        await Expect(dashboard.SessionRows).ToHaveCountAsync(1, new() { Timeout = 2000 });
        await Expect(dashboard.SessionRows).ToContainTextAsync(hash);
        await Expect(page.Locator("#identities tbody tr.full")).ToContainTextAsync(hash);
        await Expect(page.Locator("#events li.refused")).ToContainTextAsync($"\"{hash}\" on api refused at 1/1", new() { Timeout = 2000 });
        await Expect(page.Locator("#listeners .card")).ToContainTextAsync("identities Hash");

        Assert.DoesNotContain(key, await page.Locator("body").InnerTextAsync(), StringComparison.Ordinal);
        Assert.DoesNotContain(key, await page.ContentAsync(), StringComparison.Ordinal);
        Assert.Empty(dashboard.Errors);
    }
}
