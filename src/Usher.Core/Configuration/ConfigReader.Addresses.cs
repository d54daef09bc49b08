using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Configuration;

namespace Usher.Configuration;

/// <summary>Listen addresses that would collide at bind: two listeners on one address, found when the configuration
/// is read rather than at start (where the second bind would fail on the first).</summary>
public sealed partial class ConfigReader
{
    private void CheckListenAddresses(List<(IConfigurationSection Section, ListenerSettings Listener)> placed)
    {
        for (var i = 0; i < placed.Count; i++)
        {
            for (var j = 0; j < i; j++)
            {
                var (section, listener) = placed[i];
                var earlier = placed[j].Listener;
                if (Collide(listener.Listen, earlier.Listen))
                {
                    Error(section.GetSection("Listen").Path,
                        $"\"{section["Listen"]}\" is also where listener \"{earlier.Name}\" listens ({earlier.Listen}): the second could not bind",
                        "give every listener an address:port of its own");
                }
            }
        }
    }

    /// <summary>Whether two endpoints cannot both be bound (port 0 always can: the kernel picks).</summary>
    private static bool Collide(IPEndPoint a, IPEndPoint b) =>
        a.Port != 0 && a.Port == b.Port && Overlap(a.Address, b.Address);

    /// <summary>The same address, or a wildcard covering the other: <c>[::]</c> (dual-stack) covers every address,
    /// <c>0.0.0.0</c> every IPv4 one.</summary>
    private static bool Overlap(IPAddress a, IPAddress b) =>
        a.Equals(b) || a.Equals(IPAddress.IPv6Any) || b.Equals(IPAddress.IPv6Any)
        || (a.Equals(IPAddress.Any) && b.AddressFamily == AddressFamily.InterNetwork)
        || (b.Equals(IPAddress.Any) && a.AddressFamily == AddressFamily.InterNetwork);
}
