using System.Buffers.Binary;
using System.Net;

namespace Usher.Gateway.Native;

/// <summary>Converts between <see cref="IPEndPoint"/> and the kernel's sockaddr_in / sockaddr_in6.</summary>
internal static unsafe class SockAddr
{
    /// <summary>The local address a socket is bound to; <c>null</c> when it has none.</summary>
    public static IPEndPoint? Local(int fd)
    {
        var addr = stackalloc byte[MaxSize];
        var length = MaxSize;
        return Libc.GetSockName(fd, addr, &length) == 0 ? Read(new ReadOnlySpan<byte>(addr, length)) : null;
    }

    /// <summary>Big enough for sockaddr_in6.</summary>
    public const int MaxSize = 28;

    public static int Write(IPEndPoint endpoint, Span<byte> buffer)
    {
        buffer[..MaxSize].Clear();
        if (endpoint.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(buffer, Libc.AF_INET);
            BinaryPrimitives.WriteUInt16BigEndian(buffer[2..], (ushort)endpoint.Port);
            endpoint.Address.TryWriteBytes(buffer[4..8], out _);
            return 16;
        }

        BinaryPrimitives.WriteUInt16LittleEndian(buffer, Libc.AF_INET6);
        BinaryPrimitives.WriteUInt16BigEndian(buffer[2..], (ushort)endpoint.Port);
        endpoint.Address.TryWriteBytes(buffer[8..24], out _);
        BinaryPrimitives.WriteUInt32LittleEndian(buffer[24..], (uint)endpoint.Address.ScopeId);
        return 28;
    }

    /// <summary>Reads a sockaddr; IPv4-mapped IPv6 addresses come back as IPv4.</summary>
    public static IPEndPoint? Read(ReadOnlySpan<byte> buffer)
    {
        if (buffer.Length < 4)
        {
            // An AF_UNIX socketpair's unnamed end (a TLS bridge), or no address at all.
            return null;
        }

        var family = BinaryPrimitives.ReadUInt16LittleEndian(buffer);
        var port = BinaryPrimitives.ReadUInt16BigEndian(buffer[2..]);
        if (family == Libc.AF_INET)
        {
            return new IPEndPoint(new IPAddress(buffer[4..8]), port);
        }

        if (family == Libc.AF_INET6)
        {
            var address = new IPAddress(buffer[8..24], BinaryPrimitives.ReadUInt32LittleEndian(buffer[24..]));
            return new IPEndPoint(address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address, port);
        }

        return null;
    }
}
