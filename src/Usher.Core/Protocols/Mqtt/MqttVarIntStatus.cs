namespace Usher.Protocols.Mqtt;

internal enum MqttVarIntStatus
{
    Ok = 0,
    NeedMore,
    Malformed,
}
