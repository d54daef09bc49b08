using System.Diagnostics;

namespace Usher.Testing;

/// <summary>Makes one loopback connection vanish for real: iptables drops every packet to and from the client's
/// port, so the gateway sees no FIN and no RST, only silence, as from a dropped VPN. Rules are removed on dispose.</summary>
public sealed class LoopbackBlackhole : IDisposable
{
    private readonly int _port;
    private bool _active;

    private LoopbackBlackhole(int port) => _port = port;

    /// <summary>Drops the traffic of the local client port <paramref name="port"/> on the loopback interface.</summary>
    public static LoopbackBlackhole Drop(int port)
    {
        var hole = new LoopbackBlackhole(port);
        hole.Rules("-I");
        hole._active = true;
        return hole;
    }

    /// <summary>Lets the traffic through again.</summary>
    public void Restore()
    {
        if (_active)
        {
            _active = false;
            Rules("-D");
        }
    }

    /// <inheritdoc />
    public void Dispose() => Restore();

    private void Rules(string op)
    {
        Iptables($"-w {op} INPUT -i lo -p tcp --sport {_port} -j DROP");
        Iptables($"-w {op} INPUT -i lo -p tcp --dport {_port} -j DROP");
    }

    private static void Iptables(string arguments)
    {
        using var p = Process.Start(new ProcessStartInfo("iptables", arguments) { RedirectStandardError = true })!;
        p.WaitForExit(10_000);
        if (p.ExitCode != 0)
        {
            throw new InvalidOperationException($"iptables {arguments} failed: {p.StandardError.ReadToEnd()}");
        }
    }
}
