namespace Usher.Protocols.Mqtt;

/// <summary>Reads an MQTT CONNECT packet: MQTT 3.1 (<c>MQIsdp</c>, level 3), 3.1.1 (<c>MQTT</c>, level 4) and 5
/// (<c>MQTT</c>, level 5, whose CONNECT and will properties are skipped). The whole packet is read and checked
/// (flags, every length against what is left, nothing after the password) before the identity is given.</summary>
public sealed class MqttConnectReader : IHandshakeReader
{
    private readonly MqttIdentity identity;

    /// <summary>A reader.</summary>
    /// <param name="identity">The field that is the identity.</param>
    public MqttConnectReader(MqttIdentity identity = MqttIdentity.ClientId) => this.identity = identity;

    /// <inheritdoc />
    /// <remarks>Allocates the identity only.</remarks>
    public HandshakeResult Read(ReadOnlySpan<byte> received) => ReadConnect(received).ToHandshakeResult();

    /// <summary>Reads the CONNECT, with the protocol level the refusal needs.</summary>
    /// <remarks>Allocates the identity only.</remarks>
    public MqttConnect ReadConnect(ReadOnlySpan<byte> received)
    {
        var scan = MqttConnectParser.Parse(received);
        if (scan.Status != HandshakeStatus.Identified)
        {
            return new MqttConnect(scan.Status, scan.Level, Problem: scan.Problem);
        }

        var (field, start, length, missing) = identity == MqttIdentity.Username
            ? ("username", scan.UsernameStart, scan.UsernameLength, "no username")
            : ("client id", scan.ClientIdStart, scan.ClientIdLength, "no client id");
        if (start < 0 || length == 0)
        {
            return new MqttConnect(HandshakeStatus.Invalid, scan.Level, Problem: missing, IdentityRejected: true);
        }

        var value = received.Slice(start, length);
        var error = IdentityText.Check(value);
        return error == IdentityTextError.None
            ? new MqttConnect(HandshakeStatus.Identified, scan.Level, IdentityText.Decode(value, false))
            : new MqttConnect(HandshakeStatus.Invalid, scan.Level, Problem: IdentityText.Problem(field, error), IdentityRejected: true);
    }
}
