namespace Usher.Protocols.Mqtt;

/// <summary>Where the client id and user name of a CONNECT are, before any string is made.</summary>
internal struct MqttScan
{
    public HandshakeStatus Status;
    public string? Problem;
    public byte Level;
    public int ClientIdStart;
    public int ClientIdLength;
    public int UsernameStart;
    public int UsernameLength;

    public static MqttScan NeedMore(int received) => received >= HandshakeLimits.MaxHandshakeBytes
        ? Invalid(HandshakeLimits.TooLarge, 0)
        : default;

    public static MqttScan Invalid(string problem, byte level) =>
        new() { Status = HandshakeStatus.Invalid, Problem = problem, Level = level };
}
