using System.Buffers.Binary;

namespace Usher.Protocols.Mqtt;

/// <summary>The structure of a CONNECT (MQTT 3.1.1 section 3.1, MQTT 5 section 3.1).</summary>
internal static class MqttConnectParser
{
    private const byte ConnectHeader = 0x10;
    private const string Malformed = "malformed CONNECT";

    internal static MqttScan Parse(ReadOnlySpan<byte> received)
    {
        if (received.IsEmpty)
        {
            return default;
        }

        if (received[0] != ConnectHeader)
        {
            return MqttScan.Invalid("not an MQTT CONNECT", 0);
        }

        var pos = 1;
        switch (MqttVarInt.Read(received, ref pos, out var remaining))
        {
            case MqttVarIntStatus.NeedMore:
                return MqttScan.NeedMore(received.Length);
            case MqttVarIntStatus.Malformed:
                return MqttScan.Invalid("malformed remaining length", 0);
        }

        var total = pos + remaining;
        if (total > HandshakeLimits.MaxHandshakeBytes)
        {
            return MqttScan.Invalid(HandshakeLimits.TooLarge, 0);
        }

        if (received.Length < total)
        {
            return MqttScan.NeedMore(received.Length);
        }

        return Body(received[..total], pos);
    }

    private static MqttScan Body(ReadOnlySpan<byte> packet, int pos)
    {
        if (!TryString(packet, ref pos, out var nameStart, out var nameLength) || packet.Length - pos < 4)
        {
            return MqttScan.Invalid(Malformed, 0);
        }

        var name = packet.Slice(nameStart, nameLength);
        var level = packet[pos];
        var supported = level switch
        {
            3 => name.SequenceEqual("MQIsdp"u8),
            4 or 5 => name.SequenceEqual("MQTT"u8),
            _ => false,
        };
        if (!supported)
        {
            return MqttScan.Invalid("unsupported MQTT protocol name or level", 0);
        }

        var flags = packet[pos + 1];
        pos += 4; // level, flags, keep alive
        var problem = CheckFlags(flags, level);
        if (problem is not null)
        {
            return MqttScan.Invalid(problem, level);
        }

        if (level == 5 && !TrySkipProperties(packet, ref pos))
        {
            return MqttScan.Invalid(Malformed, level);
        }

        var scan = new MqttScan { Status = HandshakeStatus.Identified, Level = level, UsernameStart = -1 };
        if (!TryString(packet, ref pos, out scan.ClientIdStart, out scan.ClientIdLength))
        {
            return MqttScan.Invalid(Malformed, level);
        }

        var will = (flags & 0x04) != 0;
        if (will && ((level == 5 && !TrySkipProperties(packet, ref pos))
            || !TryString(packet, ref pos, out _, out _)
            || !TryString(packet, ref pos, out _, out _)))
        {
            return MqttScan.Invalid(Malformed, level);
        }

        if ((flags & 0x80) != 0 && !TryString(packet, ref pos, out scan.UsernameStart, out scan.UsernameLength))
        {
            return MqttScan.Invalid(Malformed, level);
        }

        // The password: skipped, never looked at.
        if ((flags & 0x40) != 0 && !TryString(packet, ref pos, out _, out _))
        {
            return MqttScan.Invalid(Malformed, level);
        }

        return pos == packet.Length ? scan : MqttScan.Invalid(Malformed, level);
    }

    /// <summary>The connect flags: reserved bit clear, will QoS and retain only with a will, QoS below 3, and (before
    /// MQTT 5) no password without a user name.</summary>
    private static string? CheckFlags(byte flags, byte level)
    {
        if ((flags & 0x01) != 0)
        {
            return "reserved connect flag set";
        }

        var will = (flags & 0x04) != 0;
        var willQos = (flags >> 3) & 0x03;
        var willRetain = (flags & 0x20) != 0;
        if (willQos == 3 || (!will && (willQos != 0 || willRetain)))
        {
            return "invalid will flags";
        }

        if (level < 5 && (flags & 0x40) != 0 && (flags & 0x80) == 0)
        {
            return "password flag without username flag";
        }

        return null;
    }

    /// <summary>A two-byte length and that many bytes (UTF-8 string or binary data).</summary>
    private static bool TryString(ReadOnlySpan<byte> packet, ref int pos, out int start, out int length)
    {
        start = -1;
        length = 0;
        if (packet.Length - pos < 2)
        {
            return false;
        }

        var n = BinaryPrimitives.ReadUInt16BigEndian(packet[pos..]);
        if (n > packet.Length - pos - 2)
        {
            return false;
        }

        start = pos + 2;
        length = n;
        pos = start + n;
        return true;
    }

    /// <summary>MQTT 5 properties: a variable byte integer length and that many bytes.</summary>
    private static bool TrySkipProperties(ReadOnlySpan<byte> packet, ref int pos)
    {
        if (MqttVarInt.Read(packet, ref pos, out var length) != MqttVarIntStatus.Ok || length > packet.Length - pos)
        {
            return false;
        }

        pos += length;
        return true;
    }
}
