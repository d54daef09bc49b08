using Microsoft.Playwright;
using Xunit;

namespace Usher.Testing;

/// <summary>Debian's chromium (<c>/usr/bin/chromium</c>, installed by test.sh) driven by Playwright, headless: the
/// browser builds Playwright would download cannot be fetched here, so it launches the system's own. One browser for
/// the dashboard's tests of a test assembly; each test opens its own context (cookies and sessionStorage of its own).
/// Each test assembly that uses it declares its own collection (xunit looks for collection definitions there).</summary>
public sealed class Chromium : IAsyncLifetime
{
    public const string ExecutablePath = "/usr/bin/chromium";

    private IPlaywright? _playwright;

    public IBrowser Browser { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        if (!File.Exists(ExecutablePath))
        {
            throw new InvalidOperationException($"{ExecutablePath} is missing: install Debian's chromium (apt-get install chromium; test.sh does)");
        }

        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ExecutablePath,
            Headless = true,
            // Chromium's sandbox needs user namespaces that root in a container does not get.
            Args = Environment.UserName == "root" ? ["--no-sandbox"] : [],
        });
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }

        _playwright?.Dispose();
    }
}
