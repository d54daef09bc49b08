namespace Usher.Protocols.Mqtt;

/// <summary>What <see cref="MqttConnectReader.ReadConnect"/> made of an MQTT CONNECT. The password is never read
/// into any field.</summary>
/// <param name="Status">NeedMore, Identified or Invalid.</param>
/// <param name="ProtocolLevel">3 (3.1), 4 (3.1.1) or 5 once the variable header is read, else 0: chooses the
/// refusal (<see cref="MqttRefusal.ConnAck"/>).</param>
/// <param name="Identity">The client id or the user name, as the reader's option says.</param>
/// <param name="Problem">Why the input is invalid.</param>
/// <param name="IdentityRejected">Invalid only for its identity field (missing, empty, or not text) in an otherwise
/// well-formed CONNECT: the client is told so in a CONNACK (<see cref="MqttRefusal.IdentifierRejected"/>,
/// <see cref="MqttRefusal.BadUserNameOrPassword"/>).</param>
public readonly record struct MqttConnect(
    HandshakeStatus Status,
    byte ProtocolLevel = 0,
    string? Identity = null,
    string? Problem = null,
    bool IdentityRejected = false)
{
    /// <summary>The same answer as a <see cref="HandshakeResult"/>.</summary>
    public HandshakeResult ToHandshakeResult() => new(Status, Identity, Problem: Problem);
}
