namespace Usher.Handshakes.Mqtt;

internal enum MqttVarIntStatus
{
    Ok = 0,
    NeedMore,
    Malformed,
}
