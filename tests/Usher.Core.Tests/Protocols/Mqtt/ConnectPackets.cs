using System.Buffers.Binary;
using Usher.Core.Tests.Protocols.Support;

namespace Usher.Core.Tests.Protocols.Mqtt;

/// <summary>CONNECT packets built from MQTT 3.1.1 section 3.1 and MQTT 5 section 3.1.</summary>
internal static class ConnectPackets
{
    public static byte[] Connect(
        byte level,
        string? clientId = "client-1",
        string? username = null,
        string? password = null,
        bool will = false,
        byte[]? properties = null,
        byte? flagsOverride = null)
    {
        var name = level == 3 ? "MQIsdp" : "MQTT";
        var flags = (byte)((username is not null ? 0x80 : 0) | (password is not null ? 0x40 : 0) | (will ? 0x0C : 0) | 0x02);
        var body = new List<byte>();
        body.AddRange(String(name));
        body.Add(level);
        body.Add(flagsOverride ?? flags);
        body.AddRange([0, 60]);
        if (level == 5)
        {
            body.AddRange(VarInt((properties ?? []).Length));
            body.AddRange(properties ?? []);
        }

        body.AddRange(String(clientId ?? string.Empty));
        if (will)
        {
            if (level == 5)
            {
                body.AddRange([5, 0x18, 0, 0, 0, 10]);
            }

            body.AddRange(String("last/will"));
            body.AddRange(String("gone"));
        }

        if (username is not null)
        {
            body.AddRange(String(username));
        }

        if (password is not null)
        {
            body.AddRange(String(password));
        }

        return Bytes.Concat([0x10], VarInt(body.Count), [.. body]);
    }

    public static byte[] String(string value)
    {
        var bytes = Bytes.Utf8(value);
        var length = new byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(length, (ushort)bytes.Length);
        return Bytes.Concat(length, bytes);
    }

    public static byte[] VarInt(int value)
    {
        var bytes = new List<byte>();
        do
        {
            var b = (byte)(value % 128);
            value /= 128;
            bytes.Add(value > 0 ? (byte)(b | 0x80) : b);
        }
        while (value > 0);
        return [.. bytes];
    }
}
