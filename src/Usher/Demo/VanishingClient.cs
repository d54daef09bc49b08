using System.Diagnostics;

namespace Usher.Cli.Demo;

/// <summary>A client in its own network namespace behind a veth pair, whose link can be cut without a FIN or a RST:
/// a laptop whose VPN dropped. Needs root and iproute2.</summary>
internal sealed class VanishingClient : IDisposable
{
    private readonly string _ns = $"usher-demo-{Environment.ProcessId}";
    private readonly string _hostIf;
    private readonly string _nsIf;
    private Process? _client;

    private VanishingClient(int subnet)
    {
        Subnet = subnet;
        _hostIf = $"ud{Environment.ProcessId % 100000}h";
        _nsIf = $"ud{Environment.ProcessId % 100000}c";
    }

    public int Subnet { get; }

    public string HostAddress => $"10.253.{Subnet}.1";

    public string ClientAddress => $"10.253.{Subnet}.2";

    public static bool CanRun(out string why)
    {
        if (!OperatingSystem.IsLinux())
        {
            why = "needs Linux network namespaces";
            return false;
        }

        if (Environment.UserName != "root")
        {
            why = "needs root (network namespaces); run the demo as root to see it";
            return false;
        }

        if (!File.Exists("/usr/sbin/ip") && !File.Exists("/sbin/ip") && !File.Exists("/usr/bin/ip"))
        {
            why = "needs iproute2 (apt-get install iproute2)";
            return false;
        }

        why = string.Empty;
        return true;
    }

    public static VanishingClient Create()
    {
        var client = new VanishingClient(Environment.ProcessId % 200 + 20);
        try
        {
            client.Run($"netns add {client._ns}");
            client.Run($"link add {client._hostIf} type veth peer name {client._nsIf}");
            client.Run($"link set {client._nsIf} netns {client._ns}");
            client.Run($"addr add {client.HostAddress}/30 dev {client._hostIf}");
            client.Run($"link set {client._hostIf} up");
            client.Run($"-n {client._ns} addr add {client.ClientAddress}/30 dev {client._nsIf}");
            client.Run($"-n {client._ns} link set {client._nsIf} up");
            client.Run($"-n {client._ns} link set lo up");
            return client;
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    /// <summary>Connects from inside the namespace and returns the first line the backend sent.</summary>
    public async Task<string?> ConnectAsync(int port)
    {
        var script = $"exec 3<>/dev/tcp/{HostAddress}/{port} || exit 1; head -n 1 <&3; exec sleep 120";
        var psi = new ProcessStartInfo("ip", ["netns", "exec", _ns, "bash", "-c", script])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        _client = Process.Start(psi)!;
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            return await _client.StandardOutput.ReadLineAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }

    /// <summary>Drops every packet of the namespace: no FIN, no RST, the client is simply gone.</summary>
    public string Vanish()
    {
        if (TryRun("iptables", $"-w -A INPUT -j DROP", inNamespace: true)
            && TryRun("iptables", $"-w -A OUTPUT -j DROP", inNamespace: true))
        {
            return "iptables DROP in the client's namespace";
        }

        Run($"-n {_ns} link set {_nsIf} down");
        return "the client's link set down";
    }

    public void Dispose()
    {
        try
        {
            if (_client is { HasExited: false })
            {
                _client.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
        }

        _client?.Dispose();
        TryRun("ip", $"netns del {_ns}", inNamespace: false);
        TryRun("ip", $"link del {_hostIf}", inNamespace: false);
    }

    private void Run(string arguments)
    {
        if (!TryRun("ip", arguments, inNamespace: false))
        {
            throw new InvalidOperationException($"`ip {arguments}` failed");
        }
    }

    private bool TryRun(string program, string arguments, bool inNamespace)
    {
        var psi = inNamespace
            ? new ProcessStartInfo("ip", $"netns exec {_ns} {program} {arguments}")
            : new ProcessStartInfo(program, arguments);
        psi.RedirectStandardError = true;
        psi.RedirectStandardOutput = true;
        try
        {
            using var p = Process.Start(psi)!;
            p.WaitForExit(10_000);
            return p.HasExited && p.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }
}
