using System.Net;
using System.Text.RegularExpressions;

namespace Usher.Testing;

/// <summary>A network namespace joined to the host by a veth pair with a /30 on it: a second host on the same
/// machine. Processes run inside it with <c>ip netns exec</c>, and <see cref="CutOffAsync"/> makes it vanish for real
/// (iptables DROP inside it: no FIN, no RST, nothing). Disposing kills its processes and deletes it. Needs root,
/// iproute2 and iptables.</summary>
public sealed partial class Netns : IAsyncDisposable
{
    private const string Prefix = "ue2e";
    private const string HostInterfacePrefix = "ueh";
    private static readonly SemaphoreSlim Setup = new(1, 1);
    private static int s_counter;
    private readonly List<RunningProcess> _processes = [];
    private readonly Lock _lock = new();

    private Netns(string name, string hostInterface, string namespaceInterface, IPAddress hostAddress, IPAddress address)
    {
        Name = name;
        HostInterface = hostInterface;
        NamespaceInterface = namespaceInterface;
        HostAddress = hostAddress;
        Address = address;
    }

    /// <summary>The namespace's name (unique per process and instance).</summary>
    public string Name { get; }

    /// <summary>The host end of the veth pair.</summary>
    public string HostInterface { get; }

    /// <summary>The namespace end of the veth pair.</summary>
    public string NamespaceInterface { get; }

    /// <summary>The host's address on the link (bind a listener here to serve the namespace).</summary>
    public IPAddress HostAddress { get; }

    /// <summary>The namespace's own address on the link.</summary>
    public IPAddress Address { get; }

    /// <summary>Creates a namespace with its veth pair and addresses, up and reachable from the host.</summary>
    public static async Task<Netns> CreateAsync()
    {
        await Setup.WaitAsync();
        try
        {
            await RemoveLeftoversAsync();
            var n = Interlocked.Increment(ref s_counter);
            var pid = Environment.ProcessId;
            var name = $"{Prefix}-{pid}-{n}";
            var hostIf = $"{HostInterfacePrefix}{pid}x{n % 1000}";
            var nsIf = $"uen{pid}x{n % 1000}";
            var (hostAddress, address) = await FreeSubnetAsync(pid, n);
            var netns = new Netns(name, hostIf, nsIf, hostAddress, address);
            try
            {
                await Ip("netns", "add", name);
                await Ip("link", "add", hostIf, "type", "veth", "peer", "name", nsIf);
                await Ip("link", "set", nsIf, "netns", name);
                await Ip("addr", "add", $"{hostAddress}/30", "dev", hostIf);
                await Ip("link", "set", hostIf, "up");
                await Ip("-n", name, "addr", "add", $"{address}/30", "dev", nsIf);
                await Ip("-n", name, "link", "set", nsIf, "up");
                await Ip("-n", name, "link", "set", "lo", "up");
                return netns;
            }
            catch
            {
                await netns.DisposeAsync();
                throw;
            }
        }
        finally
        {
            Setup.Release();
        }
    }

    /// <summary>Starts <paramref name="program"/> inside the namespace; it is killed when the namespace is disposed.</summary>
    public RunningProcess Start(string program, params string[] arguments)
    {
        var process = RunningProcess.Start(Tools.Find("ip"), ["netns", "exec", Name, Tools.Find(program), .. arguments]);
        lock (_lock)
        {
            _processes.Add(process);
        }

        return process;
    }

    /// <summary>Runs <paramref name="program"/> inside the namespace to its end.</summary>
    public Task<ProcessResult> RunAsync(string program, params string[] arguments) =>
        RunningProcess.RunAsync(Tools.Find("ip"), ["netns", "exec", Name, Tools.Find(program), .. arguments], TimeSpan.FromSeconds(30));

    /// <summary>Drops every packet in and out of the namespace: its peers hear nothing more, not even a reset.</summary>
    public async Task CutOffAsync()
    {
        await Iptables("-A", "INPUT", "-j", "DROP");
        await Iptables("-A", "OUTPUT", "-j", "DROP");
    }

    /// <summary>Lets traffic through again.</summary>
    public async Task RestoreAsync()
    {
        await Iptables("-D", "INPUT", "-j", "DROP");
        await Iptables("-D", "OUTPUT", "-j", "DROP");
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        RunningProcess[] processes;
        lock (_lock)
        {
            processes = [.. _processes];
            _processes.Clear();
        }

        foreach (var process in processes)
        {
            await process.DisposeAsync();
        }

        await DeleteAsync(Name);
        await TryIp("link", "del", HostInterface);
    }

    /// <inheritdoc />
    public override string ToString() => $"{Name} ({HostInterface} {HostAddress} <-> {NamespaceInterface} {Address})";

    private async Task Iptables(params string[] arguments)
    {
        var result = await RunAsync("iptables", ["-w", .. arguments]);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"iptables {string.Join(' ', arguments)} in {Name} failed: {result}");
        }
    }

    private static async Task Ip(params string[] arguments)
    {
        var result = await RunningProcess.RunAsync(Tools.Find("ip"), arguments, TimeSpan.FromSeconds(30));
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"ip {string.Join(' ', arguments)} failed: {result}");
        }
    }

    private static async Task<bool> TryIp(params string[] arguments)
    {
        try
        {
            return (await RunningProcess.RunAsync(Tools.Find("ip"), arguments, TimeSpan.FromSeconds(30))).ExitCode == 0;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    /// <summary>Kills whatever still runs inside a namespace (a child's children too), then deletes it.</summary>
    private static async Task DeleteAsync(string name)
    {
        var pids = await RunningProcess.RunAsync(Tools.Find("ip"), ["netns", "pids", name], TimeSpan.FromSeconds(30));
        foreach (var pid in pids.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            await RunningProcess.RunAsync(Tools.Find("kill"), ["-KILL", pid], TimeSpan.FromSeconds(10));
        }

        await TryIp("netns", "del", name);
    }

    /// <summary>Deletes the namespaces and links that a test process which no longer runs left behind (one killed
    /// mid-test, before it could dispose them).</summary>
    private static async Task RemoveLeftoversAsync()
    {
        static bool Gone(string pid) => pid != Environment.ProcessId.ToString() && !Directory.Exists($"/proc/{pid}");

        var namespaces = await RunningProcess.RunAsync(Tools.Find("ip"), ["netns", "list"], TimeSpan.FromSeconds(30));
        foreach (Match m in LeftoverNamespace().Matches(namespaces.Output))
        {
            if (Gone(m.Groups["pid"].Value))
            {
                await DeleteAsync(m.Value);
            }
        }

        var links = await RunningProcess.RunAsync(Tools.Find("ip"), ["-o", "link", "show"], TimeSpan.FromSeconds(30));
        foreach (Match m in LeftoverLink().Matches(links.Output))
        {
            if (Gone(m.Groups["pid"].Value))
            {
                await TryIp("link", "del", m.Groups["name"].Value);
            }
        }
    }

    /// <summary>A /30 in 10.254.0.0/16 that no interface of the host uses yet.</summary>
    private static async Task<(IPAddress Host, IPAddress Namespace)> FreeSubnetAsync(int pid, int n)
    {
        var used = (await RunningProcess.RunAsync(Tools.Find("ip"), ["-o", "-4", "addr", "show"], TimeSpan.FromSeconds(30))).Output;
        var start = ((pid % 997) * 16) + n;
        for (var i = 0; i < 16384; i++)
        {
            var block = (start + i) % 16384;
            var host = $"10.254.{block / 64}.{(block % 64 * 4) + 1}";
            if (!used.Contains($" {host}/", StringComparison.Ordinal))
            {
                return (IPAddress.Parse(host), IPAddress.Parse($"10.254.{block / 64}.{(block % 64 * 4) + 2}"));
            }
        }

        throw new InvalidOperationException("no free /30 left in 10.254.0.0/16");
    }

    [GeneratedRegex($@"^{Prefix}-(?<pid>\d+)-\d+", RegexOptions.Multiline)]
    private static partial Regex LeftoverNamespace();

    [GeneratedRegex($@"^\d+: (?<name>{HostInterfacePrefix}(?<pid>\d+)x\d+)[@:]", RegexOptions.Multiline)]
    private static partial Regex LeftoverLink();
}
