using Usher.Refusals;

namespace Usher.Core.Tests.Refusals;

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
}
