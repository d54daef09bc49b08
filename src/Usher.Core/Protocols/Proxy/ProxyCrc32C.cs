using System.Numerics;

namespace Usher.Protocols.Proxy;

/// <summary>CRC32C (Castagnoli, RFC 4960 appendix B) of a PROXY v2 header whose checksum field is read as zeroes.</summary>
internal static class ProxyCrc32C
{
    internal static uint Compute(ReadOnlySpan<byte> header, int checksumAt)
    {
        var crc = uint.MaxValue;
        for (var i = 0; i < header.Length; i++)
        {
            var b = i >= checksumAt && i < checksumAt + 4 ? (byte)0 : header[i];
            crc = BitOperations.Crc32C(crc, b);
        }

        return ~crc;
    }
}
