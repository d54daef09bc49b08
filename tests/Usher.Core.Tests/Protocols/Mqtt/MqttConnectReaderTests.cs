using Usher.Core.Tests.Protocols.Support;
using Usher.Protocols;
using Usher.Protocols.Mqtt;

namespace Usher.Core.Tests.Protocols.Mqtt;

public sealed class MqttConnectReaderTests
{
    private static readonly MqttConnectReader ByClientId = new(MqttIdentity.ClientId);
    private static readonly MqttConnectReader ByUsername = new(MqttIdentity.Username);

    public static TheoryData<string, byte> MosquittoConnects => new()
    {
        { nameof(Captured.MosquittoConnect31), 3 },
        { nameof(Captured.MosquittoConnect311), 4 },
        { nameof(Captured.MosquittoConnect5), 5 },
    };

    [Theory]
    [MemberData(nameof(MosquittoConnects))]
    public void ReadsTheClientIdAndUsernameMosquittoSends(string capture, byte level)
    {
        var packet = CaptureBytes(capture);

        Assert.Equal(new MqttConnect(HandshakeStatus.Identified, level, "sensor-17"), ByClientId.ReadConnect(packet));
        Assert.Equal(new MqttConnect(HandshakeStatus.Identified, level, "alice"), ByUsername.ReadConnect(packet));
        Assert.Equal(new HandshakeResult(HandshakeStatus.Identified, "alice"), ByUsername.Read(packet));
    }

    [Fact]
    public void RefusesAConnectWithoutUsernameWhenTheUsernameIsTheIdentity()
    {
        Assert.Equal("sensor-17", ByClientId.Read(Captured.MosquittoConnect311Anonymous).Identity);
        Assert.Equal(new MqttConnect(HandshakeStatus.Invalid, 4, Problem: "no username", IdentityRejected: true), ByUsername.ReadConnect(Captured.MosquittoConnect311Anonymous));
        Assert.Equal("no username", ByUsername.Read(ConnectPackets.Connect(5, username: string.Empty)).Problem);
    }

    [Fact]
    public void RefusesAnEmptyClientIdWhenTheClientIdIsTheIdentity()
    {
        Assert.Equal("no client id", ByClientId.Read(ConnectPackets.Connect(4, clientId: string.Empty)).Problem);
    }

    [Fact]
    public void SkipsWillPropertiesTopicAndPayload()
    {
        var packet = ConnectPackets.Connect(5, "c", "bob", "pw", will: true, properties: [0x11, 0, 0, 0, 60, 0x21, 0, 10]);

        Assert.Equal("bob", ByUsername.Read(packet).Identity);
        Assert.Equal("bob", ByUsername.Read(ConnectPackets.Connect(4, "c", "bob", "pw", will: true)).Identity);
    }

    [Fact]
    public void AcceptsAPasswordWithoutUsernameInMqtt5Only()
    {
        Assert.Equal("c", ByClientId.Read(ConnectPackets.Connect(5, "c", password: "pw")).Identity);
        Assert.Equal("password flag without username flag", ByClientId.Read(ConnectPackets.Connect(4, "c", password: "pw")).Problem);
    }

    [Theory]
    [InlineData(0x03)]
    [InlineData(0x1E)]
    [InlineData(0x0A)]
    [InlineData(0x20)]
    public void RefusesInvalidConnectFlags(byte flags)
    {
        Assert.Equal(HandshakeStatus.Invalid, ByClientId.Read(ConnectPackets.Connect(4, flagsOverride: flags)).Status);
    }

    [Theory]
    [InlineData("MQTT", 3)]
    [InlineData("MQIsdp", 4)]
    [InlineData("MQTT", 6)]
    [InlineData("mqtt", 4)]
    public void RefusesProtocolNamesAndLevelsThatDoNotGoTogether(string name, byte level)
    {
        var packet = ConnectPackets.Connect(4);
        var body = Bytes.Concat(ConnectPackets.String(name), [level], packet.AsSpan(2 + 6 + 1).ToArray());
        var input = Bytes.Concat([0x10], ConnectPackets.VarInt(body.Length), body);

        Assert.Equal(HandshakeResult.Invalid("unsupported MQTT protocol name or level"), ByClientId.Read(input));
    }

    [Theory]
    [InlineData("20020000")]
    [InlineData("1100")]
    [InlineData("1080808080")]
    [InlineData("108000")]
    public void RefusesOtherPacketsAndMalformedRemainingLengths(string hex)
    {
        Assert.Equal(HandshakeStatus.Invalid, ByClientId.Read(Convert.FromHexString(hex)).Status);
    }

    [Fact]
    public void RefusesARemainingLengthOver16KBBeforeItArrives()
    {
        Assert.Equal(HandshakeResult.Invalid(HandshakeLimits.TooLarge), ByClientId.Read(Convert.FromHexString("10FFFF7F")));
        Assert.Equal(HandshakeResult.Invalid(HandshakeLimits.TooLarge), ByClientId.Read(Bytes.Concat([0x10], ConnectPackets.VarInt(16 * 1024))));
    }

    [Fact]
    public void RefusesBytesLeftOverInsideThePacket()
    {
        var packet = ConnectPackets.Connect(4, "c", "bob", "pw");
        var longer = Bytes.Concat([0x10, (byte)(packet[1] + 1)], packet.AsSpan(2).ToArray(), [0]);

        Assert.Equal(HandshakeResult.Invalid("malformed CONNECT"), ByClientId.Read(longer));
    }

    [Fact]
    public void RefusesAStringThatRunsPastThePacket()
    {
        var packet = ConnectPackets.Connect(4, "c", "bob");
        packet[^5] = 0x40;

        Assert.Equal(HandshakeResult.Invalid("malformed CONNECT"), ByUsername.Read(packet));
    }

    [Fact]
    public void RefusesIdentitiesWithControlCharacters()
    {
        Assert.Equal("client id contains a control character", ByClientId.Read(ConnectPackets.Connect(4, "a\u0000b")).Problem);
    }

    [Fact]
    public void IgnoresPacketsTheClientSendsAfterTheConnect()
    {
        var subscribe = Convert.FromHexString("8209000100047465737400");

        Assert.Equal("alice", ByUsername.Read(Bytes.Concat(Captured.MosquittoConnect5, subscribe)).Identity);
    }

    [Fact]
    public void NeedsMoreAtEverySplitPointThenReadsTheSame()
    {
        foreach (var packet in new[] { Captured.MosquittoConnect311, Captured.MosquittoConnect5, Captured.MosquittoConnect31, ConnectPackets.Connect(5, new string('c', 200), "bob", "pw") })
        {
            var whole = ByUsername.ReadConnect(packet);
            for (var i = 0; i < packet.Length; i++)
            {
                Assert.Equal(default, ByUsername.ReadConnect(packet.AsSpan(0, i)));
            }

            Assert.Equal(HandshakeStatus.Identified, whole.Status);
        }
    }

    private static byte[] CaptureBytes(string name) =>
        (byte[])typeof(Captured).GetProperty(name)!.GetValue(null)!;
}
