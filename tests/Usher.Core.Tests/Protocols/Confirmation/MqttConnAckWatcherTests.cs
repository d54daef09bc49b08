using Usher.Protocols.Confirmation;
using Usher.Protocols.Mqtt;

namespace Usher.Core.Tests.Protocols.Confirmation;

public sealed class MqttConnAckWatcherTests
{
    [Fact]
    public void AnAcceptingConnAckIsHeldWithWhatFollows()
    {
        byte[] stream = [0x20, 0x02, 0x00, 0x00, 0x30, 0x03, 0x00, 0x01, 0x41];

        WatcherFeed.EveryPieceSize(() => new MqttConnAckWatcher(), stream, BackendVerdict.Confirmed, passed: 0);
    }

    [Fact]
    public void AnMqtt5ConnAckWithPropertiesAndSuccessIsConfirmed()
    {
        byte[] stream = [0x20, 0x06, 0x00, 0x00, 0x03, 0x21, 0x00, 0x0A];

        WatcherFeed.EveryPieceSize(() => new MqttConnAckWatcher(), stream, BackendVerdict.Confirmed, passed: 0);
    }

    [Theory]
    [InlineData(0x05)]
    [InlineData(0x04)]
    [InlineData(0x02)]
    public void ARefusingConnAckIsRejected(byte code)
    {
        byte[] stream = [0x20, 0x02, 0x00, code];

        WatcherFeed.EveryPieceSize(() => new MqttConnAckWatcher(), stream, BackendVerdict.Rejected, stream.Length);
    }

    [Fact]
    public void AnMqtt5NotAuthorizedIsRejected()
    {
        byte[] stream = [0x20, 0x03, 0x00, 0x87, 0x00];

        WatcherFeed.EveryPieceSize(() => new MqttConnAckWatcher(), stream, BackendVerdict.Rejected, stream.Length);
    }

    [Fact]
    public void EnhancedAuthenticationPacketsPassBeforeTheConnAck()
    {
        byte[] auth = [0xF0, 0x05, 0x18, 0x03, 0x15, 0x00, 0x00];
        byte[] stream = [.. auth, .. auth, 0x20, 0x02, 0x00, 0x00];

        WatcherFeed.EveryPieceSize(() => new MqttConnAckWatcher(), stream, BackendVerdict.Confirmed, auth.Length * 2);
    }

    [Theory]
    [InlineData(new byte[] { 0x30, 0x02, 0x00, 0x00 })]
    [InlineData(new byte[] { 0x20, 0x01, 0x00 })]
    [InlineData(new byte[] { 0x20, 0xFF, 0xFF, 0xFF, 0xFF, 0x01 })]
    public void AnythingButAConnAckOrAuthFirstIsRejected(byte[] stream)
    {
        Assert.Equal(BackendVerdict.Rejected, new MqttConnAckWatcher().Watch(stream).Verdict);
    }
}
