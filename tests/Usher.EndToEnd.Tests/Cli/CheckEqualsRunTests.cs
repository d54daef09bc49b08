using System.Net;

namespace Usher.EndToEnd.Tests.Cli;

/// <summary><c>usher check</c> and <c>usher run</c> validate a configuration the same way: every file below fails
/// both with the same lines (file, key, problem and fix), exit 1, no stack trace, and run never starts listening. Each
/// file is one that check used to pass and run then died on, or that run accepted and ignored.</summary>
public sealed class CheckEqualsRunTests
{
    private const string Port = "{PORT}";

    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private static string OneListener(string extra, string top = "") => $$"""
        { "Usher": { {{top}} "Listeners": [ { "Name": "pg", "Listen": "127.0.0.1:{{Port}}", "Backend": "127.0.0.1:5432"{{extra}} } ] } }
        """;

    public static TheoryData<string, string, string, string> BadFiles => new()
    {
        {
            "a header name with a space",
            OneListener(""", "Identity": "HttpHeader:X User" """),
            "Usher:Listeners:0:Identity", "\"X User\" is not an HTTP header name"
        },
        {
            "a shutdown grace past any timer",
            OneListener("", """ "ShutdownGrace": "10675199.02:48:05", """),
            "Usher:ShutdownGrace", "longer than the longest duration Usher takes, 24.00:00:00"
        },
        {
            "two listeners on one address",
            $$"""
            { "Usher": { "Listeners": [
                { "Name": "a", "Listen": "127.0.0.1:{{Port}}", "Backend": "127.0.0.1:5432" },
                { "Name": "b", "Listen": "*:{{Port}}", "Backend": "127.0.0.1:5433" } ] } }
            """,
            "Usher:Listeners:1:Listen", "is also where listener \"a\" listens"
        },
        {
            "a Redis ledger without its address",
            OneListener("", """ "Ledger": { "Kind": "Redis" }, """),
            "Usher:Ledger:Configuration", "the key is missing"
        },
        {
            "a Redis ledger whose connection string does not parse",
            OneListener("", """ "Ledger": { "Kind": "Redis", "Configuration": "localhost:6379,syncTimeout=soon" }, """),
            "Usher:Ledger:Configuration", "is not a StackExchange.Redis connection string"
        },
        {
            "an unknown ledger",
            OneListener("", """ "Ledger": { "Kind": "Etcd" }, """),
            "Usher:Ledger:Kind", "\"Etcd\" is not a ledger kind"
        },
        {
            "an override of an IPv6 address in the object form",
            OneListener(""", "Overrides": { "2001:db8::7": 5 } """),
            "Usher:Listeners:0:Overrides:2001:db8::7", "holds ':', which the configuration reads as nested keys"
        },
        {
            "a TLS certificate that is not there",
            OneListener(""", "Tls": { "Certificate": "absent.pem", "Key": "absent.key" } """),
            "Usher:Listeners:0:Tls:Certificate", "absent.pem\" does not exist"
        },
        {
            "a trusted proxy that is no address",
            OneListener(""", "TrustedProxies": [ "10.0.0.300/24" ] """),
            "Usher:Listeners:0:TrustedProxies:0", "\"10.0.0.300/24\" is not an address or CIDR block"
        },
        {
            "the admin endpoint on the listener's address",
            OneListener("", $$""" "Admin": { "Listen": "127.0.0.1:{{Port}}" }, """),
            "Usher:Admin:Listen", "is also where listener \"pg\" listens"
        },
        {
            "an admin token file that is not there",
            OneListener("", """ "Admin": { "Listen": "127.0.0.1:0", "TokenFile": "absent.token" }, """),
            "Usher:Admin:TokenFile", "absent.token\" does not exist"
        },
    };

    [Theory]
    [MemberData(nameof(BadFiles))]
    public async Task Check_and_run_refuse_the_file_with_the_same_lines_and_run_never_listens(string what, string json, string key, string problem)
    {
        var port = LocalPorts.Free(IPAddress.Loopback);
        using var config = UsherCli.Config(json.Replace(Port, port.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal));

        var checking = UsherCli.RunAsync(Timeout, "check", "--config", config.Path);
        var running = UsherCli.RunAsync(Timeout, "run", "--config", config.Path);
        var (check, run) = (await checking, await running);

        Assert.True(check.ExitCode == 1, $"{what}: check: {check}");
        Assert.True(run.ExitCode == 1, $"{what}: run: {run}");
        var line = $"{config.Path}: {key}: ";
        Assert.Contains(line, check.Errors, StringComparison.Ordinal);
        Assert.Contains(problem, check.Errors, StringComparison.Ordinal);
        Assert.Contains("Fix:", check.Errors, StringComparison.Ordinal);
        Assert.Equal(check.Errors, run.Errors);
        Assert.DoesNotContain("   at ", run.Output + run.Errors, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", run.Errors, StringComparison.Ordinal);
        Assert.DoesNotContain("accepting on", run.Output, StringComparison.Ordinal);
        Assert.False(LocalPorts.IsListening(new IPEndPoint(IPAddress.Loopback, port)), $"{what}: something listens on {port}");
    }
}
