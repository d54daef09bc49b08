using System.Buffers.Binary;
using Usher.Core.Tests.Protocols.Support;

namespace Usher.Core.Tests.Protocols.Tls;

/// <summary>ClientHello messages built from RFC 8446 4.1.2 and RFC 6066 3, and re-framing of real ones.</summary>
internal static class ClientHellos
{
    public static byte[] Record(byte[] handshakeMessage, byte minor = 1) =>
        Bytes.Concat([22, 3, minor, (byte)(handshakeMessage.Length >> 8), (byte)handshakeMessage.Length], handshakeMessage);

    /// <summary>A whole ClientHello handshake message (type 1, 24-bit length, body).</summary>
    public static byte[] Message(params byte[][] extensions)
    {
        var extensionBytes = Bytes.Concat(extensions);
        var body = Bytes.Concat(
            [3, 3],
            new byte[32],
            [32], new byte[32],
            [0, 4, 0x13, 0x01, 0x13, 0x02],
            [1, 0],
            U16((ushort)extensionBytes.Length),
            extensionBytes);
        return Bytes.Concat([1, (byte)(body.Length >> 16), (byte)(body.Length >> 8), (byte)body.Length], body);
    }

    public static byte[] Extension(ushort type, byte[] data) => Bytes.Concat(U16(type), U16((ushort)data.Length), data);

    public static byte[] ServerName(params (byte Type, string Name)[] names)
    {
        var list = Bytes.Concat(names.Select(n => Bytes.Concat([n.Type], U16((ushort)Bytes.Ascii(n.Name).Length), Bytes.Ascii(n.Name))).ToArray());
        return Extension(0, Bytes.Concat(U16((ushort)list.Length), list));
    }

    public static byte[] WithHost(string host) =>
        Record(Message(Extension(0x000A, [0, 2, 0, 0x1D]), ServerName((0, host)), Extension(0x002B, [2, 3, 4])));

    /// <summary>The handshake bytes of <paramref name="records"/>' first record(s), framed again into records of at
    /// most <paramref name="size"/> bytes.</summary>
    public static byte[] Reframe(byte[] record, int size)
    {
        var length = (record[3] << 8) | record[4];
        var payload = record.AsSpan(5, length).ToArray();
        var output = new List<byte>();
        for (var i = 0; i < payload.Length; i += size)
        {
            var n = Math.Min(size, payload.Length - i);
            output.AddRange([22, 3, 1, (byte)(n >> 8), (byte)n]);
            output.AddRange(payload.AsSpan(i, n).ToArray());
        }

        return [.. output];
    }

    private static byte[] U16(ushort value)
    {
        var bytes = new byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(bytes, value);
        return bytes;
    }
}
