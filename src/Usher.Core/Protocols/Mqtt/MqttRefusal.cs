namespace Usher.Protocols.Mqtt;

/// <summary>The refusals an MQTT client understands: a CONNACK that refuses the connection, after which the server
/// closes it. MQTT 3.1 and 3.1.1 (levels 3 and 4, and any level not known) get a return code, MQTT 5 (level 5) a
/// reason code with no properties.</summary>
public static class MqttRefusal
{
    private static readonly byte[] ServerUnavailable = [0x20, 0x02, 0x00, 0x03];
    private static readonly byte[] QuotaExceeded = [0x20, 0x03, 0x00, 0x97, 0x00];
    private static readonly byte[] IdentifierRejected3 = [0x20, 0x02, 0x00, 0x02];
    private static readonly byte[] IdentifierRejected5 = [0x20, 0x03, 0x00, 0x85, 0x00];
    private static readonly byte[] BadUserNameOrPassword3 = [0x20, 0x02, 0x00, 0x04];
    private static readonly byte[] BadUserNameOrPassword5 = [0x20, 0x03, 0x00, 0x86, 0x00];

    /// <summary>The CONNACK of a client over its limit: MQTT 5 gets reason code 0x97 Quota exceeded
    /// (<c>20 03 00 97 00</c>); MQTT 3.1.x gets return code 3 Server unavailable (<c>20 02 00 03</c>). Cached: never
    /// allocates.</summary>
    public static ReadOnlyMemory<byte> ConnAck(byte protocolLevel) =>
        protocolLevel == 5 ? QuotaExceeded : ServerUnavailable;

    /// <summary>The CONNACK of a client whose client id cannot be its identity (empty, or not text): 3.1.x return code
    /// 2 Identifier rejected (<c>20 02 00 02</c>), MQTT 5 reason code 0x85 Client Identifier not valid
    /// (<c>20 03 00 85 00</c>).</summary>
    public static ReadOnlyMemory<byte> IdentifierRejected(byte protocolLevel) =>
        protocolLevel == 5 ? IdentifierRejected5 : IdentifierRejected3;

    /// <summary>The CONNACK of a client whose user name cannot be its identity (none, empty, or not text): 3.1.x
    /// return code 4 Bad user name or password (<c>20 02 00 04</c>), MQTT 5 reason code 0x86
    /// (<c>20 03 00 86 00</c>).</summary>
    public static ReadOnlyMemory<byte> BadUserNameOrPassword(byte protocolLevel) =>
        protocolLevel == 5 ? BadUserNameOrPassword5 : BadUserNameOrPassword3;
}
