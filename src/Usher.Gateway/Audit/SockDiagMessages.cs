using System.Buffers.Binary;
using System.Net;
using Usher.Gateway.Sockets;

namespace Usher.Gateway.Audit;

/// <summary>The netlink messages of sock_diag (<c>linux/inet_diag.h</c>): the dump request for one address family
/// and the parsing of the kernel's answers. Pure: bytes in, entries out.</summary>
internal static class SockDiagMessages
{
    /// <summary><c>struct nlmsghdr</c>.</summary>
    public const int HeaderSize = 16;

    /// <summary><c>struct inet_diag_req_v2</c>.</summary>
    public const int RequestSize = 56;

    /// <summary><c>struct inet_diag_msg</c>.</summary>
    public const int DiagMessageSize = 72;

    public const ushort SockDiagByFamily = 20;
    public const ushort Done = 3;
    public const ushort Error = 2;
    public const ushort FlagRequest = 0x1;
    public const ushort FlagDump = 0x300;
    public const ushort InetDiagInfo = 2;
    public const byte ProtocolTcp = 6;

    /// <summary>A request for every TCP socket of <paramref name="family"/> in <paramref name="states"/> (a bit per
    /// TCP state), each with its <c>tcp_info</c>.</summary>
    public static byte[] DumpRequest(byte family, uint states, uint sequence)
    {
        var m = new byte[HeaderSize + RequestSize];
        var s = m.AsSpan();
        BinaryPrimitives.WriteUInt32LittleEndian(s, (uint)m.Length);
        BinaryPrimitives.WriteUInt16LittleEndian(s[4..], SockDiagByFamily);
        BinaryPrimitives.WriteUInt16LittleEndian(s[6..], FlagRequest | FlagDump);
        BinaryPrimitives.WriteUInt32LittleEndian(s[8..], sequence);
        s[HeaderSize] = family;
        s[HeaderSize + 1] = ProtocolTcp;
        s[HeaderSize + 2] = 1 << (InetDiagInfo - 1);
        BinaryPrimitives.WriteUInt32LittleEndian(s[(HeaderSize + 4)..], states);
        return m;
    }

    /// <summary>What one datagram of the answer held.</summary>
    public enum Outcome
    {
        /// <summary>More datagrams follow.</summary>
        More,

        /// <summary>The dump is complete.</summary>
        Done,

        /// <summary>The kernel refused the request (see the errno).</summary>
        Failed,
    }

    /// <summary>Adds the sockets of one received datagram to <paramref name="into"/>; a truncated or malformed message
    /// ends the datagram without throwing.</summary>
    /// <param name="datagram">What one recv returned.</param>
    /// <param name="into">Where the sockets go.</param>
    /// <param name="errno">The error the kernel answered with, when the outcome is <see cref="Outcome.Failed"/>.</param>
    public static Outcome Parse(ReadOnlySpan<byte> datagram, List<TcpSocketEntry> into, out int errno)
    {
        errno = 0;
        while (datagram.Length >= HeaderSize)
        {
            var length = (int)BinaryPrimitives.ReadUInt32LittleEndian(datagram);
            var type = BinaryPrimitives.ReadUInt16LittleEndian(datagram[4..]);
            if (length < HeaderSize || length > datagram.Length)
            {
                return Outcome.More;
            }

            var payload = datagram[HeaderSize..length];
            switch (type)
            {
                case Done:
                    return Outcome.Done;
                case Error:
                    errno = payload.Length >= 4 ? -BinaryPrimitives.ReadInt32LittleEndian(payload) : 0;
                    if (errno != 0)
                    {
                        return Outcome.Failed;
                    }

                    break;
                case SockDiagByFamily:
                    if (Entry(payload) is { } entry)
                    {
                        into.Add(entry);
                    }

                    break;
            }

            var aligned = Align(length);
            if (aligned >= datagram.Length)
            {
                break;
            }

            datagram = datagram[aligned..];
        }

        return Outcome.More;
    }

    /// <summary>One <c>inet_diag_msg</c> and its attributes.</summary>
    internal static TcpSocketEntry? Entry(ReadOnlySpan<byte> m)
    {
        if (m.Length < DiagMessageSize)
        {
            return null;
        }

        var family = m[0];
        var addressLength = family switch { 2 => 4, 10 => 16, _ => 0 };
        if (addressLength == 0)
        {
            return null;
        }

        var sourcePort = BinaryPrimitives.ReadUInt16BigEndian(m[4..]);
        var destinationPort = BinaryPrimitives.ReadUInt16BigEndian(m[6..]);
        var local = new IPEndPoint(Normal(new IPAddress(m.Slice(8, addressLength))), sourcePort);
        var remote = new IPEndPoint(Normal(new IPAddress(m.Slice(24, addressLength))), destinationPort);
        TcpInfo? info = null;
        var attributes = m[DiagMessageSize..];
        while (attributes.Length >= 4)
        {
            var length = BinaryPrimitives.ReadUInt16LittleEndian(attributes);
            var type = BinaryPrimitives.ReadUInt16LittleEndian(attributes[2..]);
            if (length < 4 || length > attributes.Length)
            {
                break;
            }

            if (type == InetDiagInfo)
            {
                info = TcpInfo.Parse(attributes[4..length]);
            }

            var aligned = Align(length);
            attributes = aligned >= attributes.Length ? [] : attributes[aligned..];
        }

        return new TcpSocketEntry(
            local,
            remote,
            (TcpState)m[1],
            (TcpTimer)m[2],
            BinaryPrimitives.ReadUInt32LittleEndian(m[52..]),
            m[3],
            BinaryPrimitives.ReadUInt32LittleEndian(m[56..]),
            BinaryPrimitives.ReadUInt32LittleEndian(m[60..]),
            BinaryPrimitives.ReadUInt32LittleEndian(m[64..]),
            BinaryPrimitives.ReadUInt32LittleEndian(m[68..]),
            info);
    }

    /// <summary>An IPv4-mapped IPv6 address (a dual-stack socket's IPv4 peer) as the IPv4 address it is.</summary>
    internal static IPAddress Normal(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;

    private static int Align(int length) => (length + 3) & ~3;
}
