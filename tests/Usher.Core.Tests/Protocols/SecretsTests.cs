using Usher.Core.Tests.Protocols.Mqtt;
using Usher.Core.Tests.Protocols.Postgres;
using Usher.Core.Tests.Protocols.Support;
using Usher.Protocols;
using Usher.Protocols.Http;
using Usher.Protocols.Imap;
using Usher.Protocols.Mqtt;
using Usher.Protocols.Postgres;

namespace Usher.Core.Tests.Protocols;

/// <summary>A unique password is planted in every place a handshake carries one; no field of any answer, at any
/// split point, valid or not, may hold it (nor its base64 or hex).</summary>
public sealed class SecretsTests
{
    private const string Password = Secrets.Password;

    public static TheoryData<string> ImapInputs => new()
    {
        $"a LOGIN bob {Password}\r\n",
        $"a LOGIN bob \"{Password}\"\r\n",
        $"a LOGIN bob \"\\\"{Password}\\\\\"\r\n",
        $"a LOGIN bob {{{Password.Length}}}\r\n{Password}\r\n",
        $"a LOGIN {{3+}}\r\nbob {{{Password.Length}+}}\r\n{Password}\r\n",
        $"a AUTHENTICATE PLAIN {Bytes.Base64("\0bob\0" + Password)}\r\n",
        $"a AUTHENTICATE PLAIN\r\n{Bytes.Base64("bob\0bob\0" + Password)}\r\n",
        $"a LOGIN bob {Password} extra\r\n",
        $"a LOGIN bob {{{Password.Length + 2}}}\r\n{Password}\r\n\r\n",
        $"a LOGIN \"b\u0001b\" {Password}\r\n",
        $"a AUTHENTICATE PLAIN {Bytes.Base64("\0\0" + Password)}\r\n",
        $"a AUTHENTICATE PLAIN {Bytes.Base64("\0b\u0001b\0" + Password)}\r\n",
        $"a AUTHENTICATE PLAIN {Bytes.Base64(Password)}\r\n",
        $"a AUTHENTICATE PLAIN {Bytes.Base64("\0bob\0" + Password)}=\r\n",
    };

    public static TheoryData<string> HttpFields => new()
    {
        "Authorization: Basic " + Bytes.Base64("bob:" + Password),
        "Authorization: Basic " + Bytes.Base64(":" + Password),
        "Authorization: Basic " + Bytes.Base64(Password),
        "Authorization: Basic " + Bytes.Base64("b\u0001b:" + Password),
        "Authorization: Basic " + Bytes.Base64("bob:" + Password) + "=",
        "Authorization: Basic " + Bytes.Base64("bob:" + Password) + "\r\nAuthorization: Basic " + Bytes.Base64("eve:" + Password),
        "Authorization: Bearer " + Password,
    };

    [Theory]
    [MemberData(nameof(ImapInputs))]
    public void ImapAnswersNeverHoldThePassword(string input)
    {
        var reader = new ImapLoginReader();
        EveryPrefix(Bytes.Utf8(input), prefix => Secrets.AssertAbsent(reader.Read(prefix)));
    }

    [Theory]
    [MemberData(nameof(HttpFields))]
    public void HttpAnswersNeverHoldTheBasicPassword(string field)
    {
        var reader = new HttpRequestReader("Authorization");
        var input = Bytes.Utf8("GET / HTTP/1.1\r\nHost: a\r\n" + field + "\r\n\r\n");
        EveryPrefix(input, prefix => Secrets.AssertAbsent(reader.Read(prefix)));
    }

    [Fact]
    public void HttpAnswersNeverHoldThePasswordOfAHeaderThatIsNotTheIdentity()
    {
        var reader = new HttpRequestReader("X-Tenant");
        var input = Bytes.Utf8("GET / HTTP/1.1\r\nAuthorization: Basic " + Bytes.Base64("bob:" + Password) + "\r\n\r\n");
        EveryPrefix(input, prefix => Secrets.AssertAbsent(reader.Read(prefix)));
    }

    [Theory]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    public void MqttAnswersNeverHoldThePassword(byte level)
    {
        byte[][] inputs =
        [
            ConnectPackets.Connect(level, "c", "bob", Password),
            ConnectPackets.Connect(level, "c", "bob", Password, will: true),
            ConnectPackets.Connect(level, "c", string.Empty, Password),
            ConnectPackets.Connect(level, "c\u0001", "bob", Password),
            Bytes.Concat(ConnectPackets.Connect(level, "c", "bob", Password), [0]),
        ];
        foreach (var input in inputs)
        {
            foreach (var identity in new[] { MqttIdentity.ClientId, MqttIdentity.Username })
            {
                var reader = new MqttConnectReader(identity);
                EveryPrefix(input, prefix =>
                {
                    Secrets.AssertAbsent(reader.Read(prefix));
                    Secrets.AssertAbsent(reader.ReadConnect(prefix));
                });
            }
        }
    }

    [Fact]
    public void PostgresAnswersNeverHoldOtherStartupParameters()
    {
        var reader = new PostgresStartupReader();
        var input = StartupMessages.Startup(196608, "user", "bob", "application_name", Password, "options", "-c x=" + Password);
        EveryPrefix(input, prefix =>
        {
            Secrets.AssertAbsent(reader.Read(prefix));
            Secrets.AssertAbsent(reader.ReadStartup(prefix));
        });
    }

    [Fact]
    public void MutatedHandshakesNeverPutThePasswordInAProblem()
    {
        byte[][] seeds =
        [
            .. ImapInputs.Select((object[] row) => Bytes.Utf8((string)row[0])),
            .. HttpFields.Select((object[] row) => Bytes.Utf8("GET / HTTP/1.1\r\n" + (string)row[0] + "\r\n\r\n")),
        ];
        var imap = new ImapLoginReader();
        var http = new HttpRequestReader("Authorization");
        Fuzz.Run(seed: 7007, seeds, input =>
        {
            var step = imap.Read(input);
            var result = http.Read(input);
            foreach (var problem in new[] { step.Problem, result.Problem })
            {
                ResultChecks.Check(problem?.Contains(Password, StringComparison.Ordinal) != true, "no password in a problem", problem ?? string.Empty);
            }
        }, iterations: 20_000);
    }

    [Fact]
    public void TheCheckFindsAPlantedPasswordInAnyField()
    {
        Assert.ThrowsAny<Exception>(() => Secrets.AssertAbsent(new HandshakeResult(HandshakeStatus.Identified, "x" + Password)));
        Assert.ThrowsAny<Exception>(() => Secrets.AssertAbsent(new ImapStep(ImapStepKind.Invalid, Problem: Bytes.Base64(Password))));
        Assert.ThrowsAny<Exception>(() => Secrets.AssertAbsent(new HandshakeResult(HandshakeStatus.Reply, Reply: Bytes.Ascii(Password))));
    }

    private static void EveryPrefix(byte[] input, Action<byte[]> check)
    {
        for (var i = 0; i <= input.Length; i++)
        {
            check(input[..i]);
        }
    }
}
