using Usher.Core.Tests.Protocols.Support;
using Usher.Protocols;
using Usher.Protocols.Mqtt;

namespace Usher.Core.Tests.Protocols.Mqtt;

public sealed class MqttConnectReaderFuzzTests
{
    private static readonly byte[][] Seeds =
    [
        Captured.MosquittoConnect31,
        Captured.MosquittoConnect311,
        Captured.MosquittoConnect311Anonymous,
        Captured.MosquittoConnect5,
        ConnectPackets.Connect(5, "c", "bob", Secrets.Password, will: true, properties: [0x11, 0, 0, 0, 60]),
        ConnectPackets.Connect(4, "c", "bob", Secrets.Password, will: true),
    ];

    [Fact]
    public void Survives100000MutatedAndRandomInputsWithConsistentAnswers()
    {
        var byClientId = new MqttConnectReader(MqttIdentity.ClientId);
        var byUsername = new MqttConnectReader(MqttIdentity.Username);
        Fuzz.Run(seed: 4004, Seeds, input =>
        {
            var connect = byUsername.ReadConnect(input);
            ResultChecks.Consistent(connect.ToHandshakeResult(), input.Length);
            ResultChecks.Check(connect.ProtocolLevel is 0 or 3 or 4 or 5, "a known protocol level", connect);
            ResultChecks.Check(connect.Problem?.Contains(Secrets.Password, StringComparison.Ordinal) != true, "no password in the problem", connect);
            ResultChecks.Consistent(byClientId.Read(input), input.Length);
        });
    }
}
