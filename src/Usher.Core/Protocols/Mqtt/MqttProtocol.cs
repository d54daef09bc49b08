using Usher.Identity;
using Usher.Ledger;

namespace Usher.Protocols.Mqtt;

/// <summary>MQTT 3.1, 3.1.1 and 5: CONNECT's client id or user name; refused with CONNACK 3 (3.1.x) or reason 0x97
/// quota exceeded (5); a CONNECT without a usable identity is answered identifier rejected (2 / 0x85) or bad user name
/// or password (4 / 0x86).</summary>
public sealed class MqttProtocol(MqttIdentity identity) : IHandshakeProtocol
{
    private readonly MqttConnectReader _reader = new(identity);

    public string KindName => identity == MqttIdentity.ClientId ? nameof(IdentityKind.MqttClientId) : nameof(IdentityKind.MqttUsername);

    public HandshakeResult Read(ReadOnlySpan<byte> received) => _reader.Read(received);

    public ReadOnlyMemory<byte> Refusal(ReadOnlySpan<byte> received, string identity, Admission refusal) =>
        MqttRefusal.ConnAck(_reader.ReadConnect(received).ProtocolLevel);

    public ReadOnlyMemory<byte> Rejection(ReadOnlySpan<byte> received, string problem)
    {
        var connect = _reader.ReadConnect(received);
        if (!connect.IdentityRejected)
        {
            // Malformed: MQTT says close without a CONNACK.
            return ReadOnlyMemory<byte>.Empty;
        }

        return identity == MqttIdentity.ClientId
            ? MqttRefusal.IdentifierRejected(connect.ProtocolLevel)
            : MqttRefusal.BadUserNameOrPassword(connect.ProtocolLevel);
    }
}
