namespace Usher.Refusals;

/// <summary>The refusal an MQTT client understands: a CONNACK that refuses the connection, after which the server
/// closes it.</summary>
public static class MqttRefusal
{
    private static readonly byte[] ServerUnavailable = [0x20, 0x02, 0x00, 0x03];
    private static readonly byte[] QuotaExceeded = [0x20, 0x03, 0x00, 0x97, 0x00];

    /// <summary>The CONNACK for a client of <paramref name="protocolLevel"/>: MQTT 5 (level 5) gets reason code
    /// 0x97 Quota exceeded with no properties (<c>20 03 00 97 00</c>); MQTT 3.1 and 3.1.1 (levels 3 and 4, and any
    /// level not known) get return code 3 Server unavailable (<c>20 02 00 03</c>). Cached: never allocates.</summary>
    public static ReadOnlyMemory<byte> ConnAck(byte protocolLevel) =>
        protocolLevel == 5 ? QuotaExceeded : ServerUnavailable;
}
