namespace Usher.Protocols.Mqtt;

/// <summary>MQTT's variable byte integer: 7 bits a byte, low group first, at most 4 bytes, in the fewest bytes
/// (MQTT 5 1.5.5; 3.1.1 2.2.3).</summary>
internal static class MqttVarInt
{
    private const int MaxBytes = 4;

    internal static MqttVarIntStatus Read(ReadOnlySpan<byte> data, ref int pos, out int value)
    {
        value = 0;
        for (var i = 0; i < MaxBytes; i++)
        {
            if (pos + i >= data.Length)
            {
                return MqttVarIntStatus.NeedMore;
            }

            var b = data[pos + i];
            value |= (b & 0x7F) << (7 * i);
            if ((b & 0x80) == 0)
            {
                // A last byte of 0 after the first is a longer encoding than needed.
                if (i > 0 && b == 0)
                {
                    return MqttVarIntStatus.Malformed;
                }

                pos += i + 1;
                return MqttVarIntStatus.Ok;
            }
        }

        return MqttVarIntStatus.Malformed;
    }
}
