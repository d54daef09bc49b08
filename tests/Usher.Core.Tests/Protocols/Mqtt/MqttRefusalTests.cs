using Usher.Protocols.Mqtt;

namespace Usher.Core.Tests.Protocols.Mqtt;

public sealed class MqttRefusalTests
{
    [Theory]
    [InlineData(3)]
    [InlineData(4)]
    public void RefusesMqtt3ClientsWithReturnCode3ServerUnavailable(byte level)
    {
        Assert.Equal(new byte[] { 0x20, 0x02, 0x00, 0x03 }, MqttRefusal.ConnAck(level).ToArray());
    }

    [Fact]
    public void RefusesMqtt5ClientsWithReason0x97QuotaExceededAndNoProperties()
    {
        Assert.Equal(new byte[] { 0x20, 0x03, 0x00, 0x97, 0x00 }, MqttRefusal.ConnAck(5).ToArray());
    }

    [Fact]
    public void AnswersAnUnknownLevelAsMqtt3AndNeverAllocatesANewAnswer()
    {
        Assert.Equal(MqttRefusal.ConnAck(4), MqttRefusal.ConnAck(0));
        Assert.Equal(MqttRefusal.ConnAck(5), MqttRefusal.ConnAck(5));
    }

    [Fact]
    public void TellsAClientWithoutAUsableIdentityWhichFieldIsAtFault()
    {
        Assert.Equal(new byte[] { 0x20, 0x02, 0x00, 0x02 }, MqttRefusal.IdentifierRejected(4).ToArray());
        Assert.Equal(new byte[] { 0x20, 0x03, 0x00, 0x85, 0x00 }, MqttRefusal.IdentifierRejected(5).ToArray());
        Assert.Equal(new byte[] { 0x20, 0x02, 0x00, 0x04 }, MqttRefusal.BadUserNameOrPassword(3).ToArray());
        Assert.Equal(new byte[] { 0x20, 0x03, 0x00, 0x86, 0x00 }, MqttRefusal.BadUserNameOrPassword(5).ToArray());
    }
}
