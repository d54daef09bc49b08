using System.Buffers.Binary;
using System.Net;

namespace Usher.Protocols.Proxy;

/// <summary>PROXY protocol version 2: a 16-byte header (signature, version and command, family and transport,
/// length), the address block, then TLVs up to the length. TLVs are walked (each must fit) and skipped, except
/// CRC32C, which is verified when present.</summary>
internal static class ProxyV2Parser
{
    internal const int HeaderLength = 16;
    private const int IPv4Block = 12;
    private const int IPv6Block = 36;
    private const int UnixBlock = 216;
    private const byte TlvCrc32C = 0x03;

    internal static ReadOnlySpan<byte> Signature => [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A];

    internal static ProxyHeader Read(ReadOnlySpan<byte> received)
    {
        var seen = Math.Min(received.Length, Signature.Length);
        if (!received[..seen].SequenceEqual(Signature[..seen]))
        {
            return ProxyHeader.Invalid(ProxyProtocolReader.NotProxy);
        }

        if (received.Length > Signature.Length && received[12] >> 4 != 2)
        {
            return ProxyHeader.Invalid("PROXY v2 version is not 2");
        }

        if (received.Length < HeaderLength)
        {
            return ProxyHeader.NeedMore;
        }

        var command = received[12] & 0x0F;
        if (command > 1)
        {
            return ProxyHeader.Invalid("unknown PROXY v2 command");
        }

        var family = received[13] >> 4;
        var transport = received[13] & 0x0F;
        if (family > 3 || transport > 2)
        {
            return ProxyHeader.Invalid("unknown PROXY v2 address family or transport");
        }

        var total = HeaderLength + BinaryPrimitives.ReadUInt16BigEndian(received[14..]);
        if (total > HandshakeLimits.MaxHandshakeBytes)
        {
            return ProxyHeader.Invalid(HandshakeLimits.TooLarge);
        }

        if (received.Length < total)
        {
            return ProxyHeader.NeedMore;
        }

        if (command == 0)
        {
            // LOCAL: the family and any address are to be ignored.
            return new ProxyHeader(ProxyHeaderStatus.Local, total, Version: 2);
        }

        var header = received[..total];
        var block = header[HeaderLength..];
        var addressLength = family switch
        {
            1 => IPv4Block,
            2 => IPv6Block,
            3 => UnixBlock,
            _ => 0,
        };
        if (block.Length < addressLength)
        {
            return ProxyHeader.Invalid("PROXY v2 address block shorter than its family needs");
        }

        var problem = CheckTlvs(header, HeaderLength + addressLength);
        if (problem is not null)
        {
            return ProxyHeader.Invalid(problem);
        }

        if (transport != 1 || family is 0 or 3)
        {
            // UDP, UNIX sockets or unspecified: nothing a TCP session can be counted by.
            return new ProxyHeader(ProxyHeaderStatus.Unspecified, total, Version: 2);
        }

        var size = family == 1 ? 4 : 16;
        var source = new IPAddress(block[..size]);
        var destination = new IPAddress(block[size..(2 * size)]);
        var sourcePort = BinaryPrimitives.ReadUInt16BigEndian(block[(2 * size)..]);
        var destinationPort = BinaryPrimitives.ReadUInt16BigEndian(block[((2 * size) + 2)..]);
        return new ProxyHeader(
            ProxyHeaderStatus.Proxied,
            total,
            new IPEndPoint(ProxyAddresses.Unmap(source), sourcePort),
            new IPEndPoint(ProxyAddresses.Unmap(destination), destinationPort),
            Version: 2);
    }

    /// <summary>Walks the TLVs from <paramref name="offset"/> to the end of <paramref name="header"/>: every TLV must
    /// fit, and a CRC32C TLV must match the header.</summary>
    private static string? CheckTlvs(ReadOnlySpan<byte> header, int offset)
    {
        var crcAt = -1;
        while (offset < header.Length)
        {
            if (header.Length - offset < 3)
            {
                return "malformed PROXY v2 TLV";
            }

            var type = header[offset];
            var length = BinaryPrimitives.ReadUInt16BigEndian(header[(offset + 1)..]);
            var value = offset + 3;
            if (length > header.Length - value)
            {
                return "malformed PROXY v2 TLV";
            }

            if (type == TlvCrc32C)
            {
                if (length != 4 || crcAt >= 0)
                {
                    return "malformed PROXY v2 CRC32C TLV";
                }

                crcAt = value;
            }

            offset = value + length;
        }

        if (crcAt >= 0 && ProxyCrc32C.Compute(header, crcAt) != BinaryPrimitives.ReadUInt32BigEndian(header[crcAt..]))
        {
            return "PROXY v2 CRC32C mismatch";
        }

        return null;
    }
}
