namespace Usher.Protocols.Mqtt;

/// <summary>Which field of an MQTT CONNECT is the session's identity.</summary>
public enum MqttIdentity
{
    /// <summary>The client identifier (an empty one, which asks the server to assign one, cannot be counted).</summary>
    ClientId = 0,
    /// <summary>The user name (required: a CONNECT without one is invalid).</summary>
    Username,
}
