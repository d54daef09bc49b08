using Usher.Core.Tests.Handshakes.Support;
using Usher.Handshakes;
using Usher.Handshakes.Mqtt;

namespace Usher.Core.Tests.Handshakes.Mqtt;

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
    public void Reads_the_client_id_and_username_mosquitto_sends(string capture, byte level)
    {
        var packet = CaptureBytes(capture);

        Assert.Equal(new MqttConnect(HandshakeStatus.Identified, level, "sensor-17"), ByClientId.ReadConnect(packet));
        Assert.Equal(new MqttConnect(HandshakeStatus.Identified, level, "alice"), ByUsername.ReadConnect(packet));
        Assert.Equal(new HandshakeResult(HandshakeStatus.Identified, "alice"), ByUsername.Read(packet));
    }

    [Fact]
    public void Refuses_a_connect_without_username_when_the_username_is_the_identity()
    {
        Assert.Equal("sensor-17", ByClientId.Read(Captured.MosquittoConnect311Anonymous).Identity);
        Assert.Equal(new MqttConnect(HandshakeStatus.Invalid, 4, Problem: "no username"), ByUsername.ReadConnect(Captured.MosquittoConnect311Anonymous));
        Assert.Equal("no username", ByUsername.Read(ConnectPackets.Connect(5, username: string.Empty)).Problem);
    }

    [Fact]
    public void Refuses_an_empty_client_id_when_the_client_id_is_the_identity()
    {
        Assert.Equal("no client id", ByClientId.Read(ConnectPackets.Connect(4, clientId: string.Empty)).Problem);
    }

    [Fact]
    public void Skips_will_properties_topic_and_payload()
    {
        var packet = ConnectPackets.Connect(5, "c", "bob", "pw", will: true, properties: [0x11, 0, 0, 0, 60, 0x21, 0, 10]);

        Assert.Equal("bob", ByUsername.Read(packet).Identity);
        Assert.Equal("bob", ByUsername.Read(ConnectPackets.Connect(4, "c", "bob", "pw", will: true)).Identity);
    }

    [Fact]
    public void Accepts_a_password_without_username_in_mqtt_5_only()
    {
        Assert.Equal("c", ByClientId.Read(ConnectPackets.Connect(5, "c", password: "pw")).Identity);
        Assert.Equal("password flag without username flag", ByClientId.Read(ConnectPackets.Connect(4, "c", password: "pw")).Problem);
    }

    [Theory]
    [InlineData(0x03)]
    [InlineData(0x1E)]
    [InlineData(0x0A)]
    [InlineData(0x20)]
    public void Refuses_invalid_connect_flags(byte flags)
    {
        Assert.Equal(HandshakeStatus.Invalid, ByClientId.Read(ConnectPackets.Connect(4, flagsOverride: flags)).Status);
    }

    [Theory]
    [InlineData("MQTT", 3)]
    [InlineData("MQIsdp", 4)]
    [InlineData("MQTT", 6)]
    [InlineData("mqtt", 4)]
    public void Refuses_protocol_names_and_levels_that_do_not_go_together(string name, byte level)
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
    public void Refuses_other_packets_and_malformed_remaining_lengths(string hex)
    {
        Assert.Equal(HandshakeStatus.Invalid, ByClientId.Read(Convert.FromHexString(hex)).Status);
    }

    [Fact]
    public void Refuses_a_remaining_length_over_16_KB_before_it_arrives()
    {
        Assert.Equal(HandshakeResult.Invalid(HandshakeLimits.TooLarge), ByClientId.Read(Convert.FromHexString("10FFFF7F")));
        Assert.Equal(HandshakeResult.Invalid(HandshakeLimits.TooLarge), ByClientId.Read(Bytes.Concat([0x10], ConnectPackets.VarInt(16 * 1024))));
    }

    [Fact]
    public void Refuses_bytes_left_over_inside_the_packet()
    {
        var packet = ConnectPackets.Connect(4, "c", "bob", "pw");
        var longer = Bytes.Concat([0x10, (byte)(packet[1] + 1)], packet.AsSpan(2).ToArray(), [0]);

        Assert.Equal(HandshakeResult.Invalid("malformed CONNECT"), ByClientId.Read(longer));
    }

    [Fact]
    public void Refuses_a_string_that_runs_past_the_packet()
    {
        var packet = ConnectPackets.Connect(4, "c", "bob");
        packet[^5] = 0x40;

        Assert.Equal(HandshakeResult.Invalid("malformed CONNECT"), ByUsername.Read(packet));
    }

    [Fact]
    public void Refuses_identities_with_control_characters()
    {
        Assert.Equal("client id contains a control character", ByClientId.Read(ConnectPackets.Connect(4, "a\u0000b")).Problem);
    }

    [Fact]
    public void Ignores_packets_the_client_sends_after_the_connect()
    {
        var subscribe = Convert.FromHexString("8209000100047465737400");

        Assert.Equal("alice", ByUsername.Read(Bytes.Concat(Captured.MosquittoConnect5, subscribe)).Identity);
    }

    [Fact]
    public void Needs_more_at_every_split_point_then_reads_the_same()
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
