using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Usher.Protocols.Proxy;

/// <summary>Writes PROXY protocol version 2 headers for backends configured with <c>"SendProxy": "v2"</c>.</summary>
public static class ProxyHeaderWriter
{
    /// <summary>The longest header written: 16 bytes and a TCP over IPv6 address block.</summary>
    public const int MaxV2Length = ProxyV2Parser.HeaderLength + 36;

    /// <summary>The length of a LOCAL header.</summary>
    public const int LocalV2Length = ProxyV2Parser.HeaderLength;

    /// <summary>Writes a PROXY command for a TCP connection from <paramref name="source"/> to
    /// <paramref name="destination"/>: TCP over IPv4 when both are IPv4 (IPv4-mapped IPv6 counts as IPv4), else TCP
    /// over IPv6 (an IPv4 end written as IPv4-mapped).</summary>
    /// <returns>The bytes written: 28 or 52.</returns>
    /// <exception cref="ArgumentException"><paramref name="buffer"/> is shorter than the header.</exception>
    public static int WriteV2(Span<byte> buffer, IPEndPoint source, IPEndPoint destination)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(destination);
        var from = ProxyAddresses.Unmap(source.Address);
        var to = ProxyAddresses.Unmap(destination.Address);
        var v4 = from.AddressFamily == AddressFamily.InterNetwork && to.AddressFamily == AddressFamily.InterNetwork;
        var size = v4 ? 4 : 16;
        var length = ProxyV2Parser.HeaderLength + (2 * size) + 4;
        if (buffer.Length < length)
        {
            throw new ArgumentException($"the buffer needs {length} bytes", nameof(buffer));
        }

        if (!v4)
        {
            from = from.AddressFamily == AddressFamily.InterNetwork ? from.MapToIPv6() : from;
            to = to.AddressFamily == AddressFamily.InterNetwork ? to.MapToIPv6() : to;
        }

        ProxyV2Parser.Signature.CopyTo(buffer);
        buffer[12] = 0x21;
        buffer[13] = v4 ? (byte)0x11 : (byte)0x21;
        BinaryPrimitives.WriteUInt16BigEndian(buffer[14..], (ushort)(length - ProxyV2Parser.HeaderLength));
        var block = buffer[ProxyV2Parser.HeaderLength..];
        _ = from.TryWriteBytes(block, out _);
        _ = to.TryWriteBytes(block[size..], out _);
        BinaryPrimitives.WriteUInt16BigEndian(block[(2 * size)..], (ushort)source.Port);
        BinaryPrimitives.WriteUInt16BigEndian(block[((2 * size) + 2)..], (ushort)destination.Port);
        return length;
    }

    /// <summary>Writes a LOCAL command (the gateway's own connection, e.g. a health check): no address.</summary>
    /// <returns>The bytes written: 16.</returns>
    /// <exception cref="ArgumentException"><paramref name="buffer"/> is shorter than 16 bytes.</exception>
    public static int WriteV2Local(Span<byte> buffer)
    {
        if (buffer.Length < LocalV2Length)
        {
            throw new ArgumentException($"the buffer needs {LocalV2Length} bytes", nameof(buffer));
        }

        ProxyV2Parser.Signature.CopyTo(buffer);
        buffer[12] = 0x20;
        buffer[13] = 0x00;
        buffer[14] = 0;
        buffer[15] = 0;
        return LocalV2Length;
    }
}
