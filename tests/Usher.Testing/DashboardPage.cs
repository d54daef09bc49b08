using Microsoft.Playwright;

namespace Usher.Testing;

/// <summary>The dashboard open in a fresh browser context, with what the page wrote to its console.</summary>
public sealed class DashboardPage : IAsyncDisposable
{
    private readonly IBrowserContext _context;
    private readonly List<string> _errors = [];

    private DashboardPage(IBrowserContext context, IPage page)
    {
        _context = context;
        Page = page;
        page.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                lock (_errors)
                {
                    _errors.Add(message.Text);
                }
            }
        };
        page.PageError += (_, error) =>
        {
            lock (_errors)
            {
                _errors.Add(error);
            }
        };
    }

    public IPage Page { get; }

    /// <summary>Console errors and uncaught exceptions so far.</summary>
    public IReadOnlyList<string> Errors
    {
        get
        {
            lock (_errors)
            {
                return [.. _errors];
            }
        }
    }

    public ILocator SessionRows => Page.Locator("#sessions tbody tr");

    public ILocator Events => Page.Locator("#events li");

    public static async Task<DashboardPage> OpenAsync(IBrowser browser, Uri url)
    {
        var context = await browser.NewContextAsync();
        var page = await context.NewPageAsync();
        var dashboard = new DashboardPage(context, page);
        await page.GotoAsync(url.ToString());
        return dashboard;
    }

    /// <summary>The row of session <paramref name="id"/>.</summary>
    public ILocator Row(long id) => Row(id.ToString(System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>The row of the session the page names <paramref name="key"/>: its id, or <c>node:id</c> in a cluster.</summary>
    public ILocator Row(string key) => Page.Locator($"#sessions tbody tr[data-id='{key}']");

    public async ValueTask DisposeAsync() => await _context.DisposeAsync();
}
