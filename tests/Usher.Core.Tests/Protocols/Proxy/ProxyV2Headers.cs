using System.Buffers.Binary;
using Usher.Core.Tests.Protocols.Support;

namespace Usher.Core.Tests.Protocols.Proxy;

/// <summary>PROXY v2 headers built from the spec (haproxy doc/proxy-protocol.txt 2.2).</summary>
internal static class ProxyV2Headers
{
    public static readonly byte[] Signature = Convert.FromHexString("0D0A0D0A000D0A515549540A");

    /// <summary>A TCP over IPv4 header HAProxy sent for 172.19.0.1:42578 → 172.19.0.3:80.</summary>
    public static byte[] HaproxyTcp4 => Convert.FromHexString("0D0A0D0A000D0A515549540A2111000CAC130001AC130003A6520050");

    public static byte[] Build(byte verCmd, byte family, byte[] block)
    {
        var header = new byte[16 + block.Length];
        Signature.CopyTo(header, 0);
        header[12] = verCmd;
        header[13] = family;
        BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(14), (ushort)block.Length);
        block.CopyTo(header, 16);
        return header;
    }

    public static byte[] Tlv(byte type, byte[] value)
    {
        var tlv = new byte[3 + value.Length];
        tlv[0] = type;
        BinaryPrimitives.WriteUInt16BigEndian(tlv.AsSpan(1), (ushort)value.Length);
        value.CopyTo(tlv, 3);
        return tlv;
    }

    public static byte[] Tcp4Block(string source = "192.0.2.10", int sourcePort = 51000, string destination = "198.51.100.1", int destinationPort = 5432) =>
        Bytes.Concat(
            System.Net.IPAddress.Parse(source).GetAddressBytes(),
            System.Net.IPAddress.Parse(destination).GetAddressBytes(),
            Port(sourcePort),
            Port(destinationPort));

    public static byte[] Tcp6Block(string source, int sourcePort, string destination, int destinationPort) => Tcp4Block(source, sourcePort, destination, destinationPort);

    /// <summary>A header whose CRC32C TLV holds the right checksum (computed bit by bit here, independently of the
    /// reader's hardware-assisted one).</summary>
    public static byte[] WithCrc32C(byte[] block)
    {
        var header = Build(0x21, 0x11, Bytes.Concat(block, Tlv(0x03, new byte[4])));
        var crc = ReferenceCrc32C(header);
        BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(header.Length - 4), crc);
        return header;
    }

    /// <summary>CRC32C, reflected polynomial 0x82F63B78, bit by bit.</summary>
    public static uint ReferenceCrc32C(ReadOnlySpan<byte> data)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in data)
        {
            crc ^= b;
            for (var k = 0; k < 8; k++)
            {
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0x82F63B78u : crc >> 1;
            }
        }

        return ~crc;
    }

    private static byte[] Port(int port) => [(byte)(port >> 8), (byte)port];
}
