using Usher.Protocols.Confirmation;

namespace Usher.Protocols.Mqtt;

/// <summary>Reads an MQTT broker's first packets after CONNECT for its CONNACK: return code 0 (3.1, 3.1.1) or reason
/// code 0x00 Success (5) confirms; any other code (bad user name or password, not authorized, identifier rejected
/// …) rejects. MQTT 5 AUTH packets (enhanced authentication) before it pass to the client; any other packet
/// rejects.</summary>
public sealed class MqttConnAckWatcher : IBackendWatcher
{
    private const int ConnAck = 2;
    private const int Auth = 15;

    private MessageRemainder _remainder;

    /// <inheritdoc />
    public BackendWatch Watch(ReadOnlySpan<byte> unpassed)
    {
        var passed = 0;
        while (true)
        {
            if (!_remainder.Pass(ref passed, unpassed.Length) || passed == unpassed.Length)
            {
                return BackendWatch.Pending(passed);
            }

            var rest = unpassed[passed..];
            var pos = 1;
            switch (MqttVarInt.Read(rest, ref pos, out var remaining))
            {
                case MqttVarIntStatus.NeedMore:
                    return BackendWatch.Pending(passed);
                case MqttVarIntStatus.Malformed:
                    return BackendWatch.Rejected(unpassed.Length);
            }

            switch (rest[0] >> 4)
            {
                case ConnAck when remaining < 2:
                    return BackendWatch.Rejected(unpassed.Length);
                case ConnAck when rest.Length < pos + 2:
                    return BackendWatch.Pending(passed);
                case ConnAck:
                    return rest[pos + 1] == 0 ? BackendWatch.Confirmed(passed) : BackendWatch.Rejected(unpassed.Length);
                case Auth:
                    _remainder.Begin(pos + remaining);
                    continue;
                default:
                    return BackendWatch.Rejected(unpassed.Length);
            }
        }
    }
}
