using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Usher.Benchmarks.Handshakes;
using Usher.Configuration;
using Usher.Protocols;
using Usher.Protocols.Confirmation;
using Usher.Protocols.Http;
using Usher.Protocols.Imap;
using Usher.Protocols.Mqtt;
using Usher.Protocols.Postgres;
using Usher.Protocols.Proxy;
using Usher.Protocols.Tls;

namespace Usher.Fuzz;

/// <summary>One fuzz target: what it runs on an input, and the small valid inputs it starts from.</summary>
internal sealed record Target(Action<byte[]> Run, byte[][] Seeds);

/// <summary>The fuzz targets: one per handshake reader, and the configuration reader. A reader must never throw and
/// its answer must be consistent with its input (checked here, so a wrong answer is a crash too); the configuration
/// reader may refuse a file only with <see cref="ConfigException"/>, after the JSON provider's own format errors.</summary>
internal static class Targets
{
    // Declared before All, which reads them.
    private static readonly string[] ConfigSeeds =
    [
        """{ "Usher": { "Listeners": [ { "Name": "pg", "Listen": "127.0.0.1:6432", "Backend": "127.0.0.1:5432" } ] } }""",
        """
        { "Usher": {
            "MaxSessions": 1000, "Workers": 2, "ShutdownGrace": "00:00:05", "RefusalLogInterval": "00:00:10",
            "Defaults": { "Keepalive": { "Idle": "00:01:00", "Interval": "00:00:10", "Count": 3 }, "ConnectTimeout": "00:00:02",
                          "Overrides": { "10.0.0.50": 200 } },
            "Listeners": [
              { "Name": "web", "Listen": "[::1]:8080", "Backend": "backend.example:80", "Identity": "HttpHeader:X-User+SourceIp",
                "MaxSessionsPerIdentity": 4, "MaxSessions": 100, "OnLimit": "ReclaimDead", "ReclaimWait": "00:00:05",
                "ProbeInterval": "00:00:01", "ProbeCount": 2, "IdleTimeout": "00:10:00", "HandshakeTimeout": "00:00:03" },
              { "Name": "mq", "Listen": "*:1883", "Backend": "10.0.0.8:1883", "Identity": "MqttClientId", "OnLimit": "Takeover",
                "TrustedProxies": [ "10.0.0.0/8" ], "SendProxy": "v2", "UserTimeout": "00:00:30" }
            ] } }
        """,
        """{ "Usher": { "Listeners": [ { "Listen": "0.0.0.0:5432", "Backend": "db:5432", "Identity": "PostgresUser", "Keepalive": { "Idle": "5m" } } ] } }""",
    ];

    // Readers are made inside the targets, never before: instrumented code may run only once SharpFuzz has attached
    // AFL's coverage map (in Fuzzer.Run).
    public static IReadOnlyDictionary<string, Target> All { get; } = new Dictionary<string, Target>
    {
        ["proxy"] = new(Proxy,
        [
            HandshakeSamples.ProxyV1Tcp4, HandshakeSamples.ProxyV1Tcp6, HandshakeSamples.ProxyV2Tcp4,
            HandshakeSamples.ProxyV2Tcp6WithTlvs, "PROXY UNKNOWN\r\n"u8.ToArray(),
        ]),
        ["tls"] = new(input => Check(TlsSniReader.Instance.Read(input), input.Length),
            [HandshakeSamples.CurlClientHello, HandshakeSamples.FragmentedClientHello]),
        ["postgres"] = new(input =>
        {
            var postgres = new PostgresStartupReader();
            Check(postgres.Read(input), input.Length);
            Check(postgres.ReadStartup(input).ToHandshakeResult(), input.Length);
        }, [HandshakeSamples.PsqlStartup, Convert.FromHexString("0000000804d2162f"), Convert.FromHexString("00000010" + "04d2162e" + "0000002a" + "12345678")]),
        ["mqtt"] = new(input =>
        {
            Check(new MqttConnectReader(MqttIdentity.ClientId).Read(input), input.Length);
            Check(new MqttConnectReader(MqttIdentity.Username).Read(input), input.Length);
        }, [HandshakeSamples.MosquittoConnect311, HandshakeSamples.MosquittoConnect5]),
        ["imap"] = new(ImapRun, [HandshakeSamples.CurlImapLogin, HandshakeSamples.CurlImapAuthenticatePlain, HandshakeSamples.ImapLiteralLogin]),
        ["http"] = new(input =>
        {
            Check(new HttpRequestReader("Authorization").Read(input), input.Length);
            Check(new HttpRequestReader("X-User").Read(input), input.Length);
        }, [HandshakeSamples.CurlHttp, "GET / HTTP/1.1\r\nHost: a\r\nX-User: alice\r\n\r\n"u8.ToArray()]),
        ["backend"] = new(Backend,
        [
            Convert.FromHexString("520000000800000000" + "5a0000000549"),
            Convert.FromHexString("52" + "00000017" + "0000000a" + "534352414d2d5348412d323536" + "0000" + "520000000800000000"),
            Convert.FromHexString("20020000" + "30030001" + "41"),
            "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 401 Unauthorized\r\n\r\n"u8.ToArray(),
        ]),
        ["config"] = new(Config, [.. ConfigSeeds.Select(s => Encoding.UTF8.GetBytes(s))]),
    };

    /// <summary>The three backend watchers over the input in pieces (of 1 to 16 bytes, from its first byte), as reads
    /// would bring it: every answer passes bytes within those shown, a rejection passes them all, and while pending
    /// at most a message header (16 bytes) is held back, so the gateway's 4 KB buffer never fills.</summary>
    private static void Backend(byte[] input)
    {
        var piece = input.Length == 0 ? 1 : 1 + (input[0] % 16);
        foreach (var watcher in new IBackendWatcher[] { new PostgresBackendWatcher(), new MqttConnAckWatcher(), new HttpStatusWatcher() })
        {
            var passed = 0;
            var end = 0;
            while (end < input.Length)
            {
                end = Math.Min(input.Length, end + piece);
                var watch = watcher.Watch(input.AsSpan(passed, end - passed));
                Require(watch.Passed >= 0 && watch.Passed <= end - passed, "Passed within the bytes shown", watch);
                Require(Enum.IsDefined(watch.Verdict), "a defined verdict", watch);
                passed += watch.Passed;
                if (watch.Verdict != BackendVerdict.Pending)
                {
                    Require(watch.Verdict != BackendVerdict.Rejected || passed == end, "a rejection passes everything", watch);
                    break;
                }

                Require(end - passed <= 16, "at most a header held back while pending", watch);
            }
        }
    }


    private static void Proxy(byte[] input)
    {
        var header = ProxyProtocolReader.Read(input);
        Require(header.Consumed >= 0 && header.Consumed <= input.Length, "Consumed within the input", header);
        Require(Enum.IsDefined(header.Status), "a defined status", header);
        Require(header.Status == ProxyHeaderStatus.Invalid == (header.Problem is not null), "a problem exactly when invalid", header);
        Require(header.Status == ProxyHeaderStatus.Proxied == (header.Source is not null && header.Destination is not null), "addresses exactly when proxied", header);
        Require(header.Status is ProxyHeaderStatus.NeedMore or ProxyHeaderStatus.Invalid == (header.Consumed == 0), "a header length exactly when read", header);
        Require(header.Status != ProxyHeaderStatus.NeedMore || input.Length < HandshakeLimits.MaxHandshakeBytes, "never NeedMore at 16 KB", header);
        Require(header.Version != 1 || header.Consumed <= ProxyProtocolReader.MaxV1Length, "a v1 line of at most 107 bytes", header);
    }

    private static void ImapRun(byte[] input)
    {
        var step = new ImapLoginReader().Read(input);
        Require(Enum.IsDefined(step.Kind), "a defined kind", step);
        Require(step.Forward >= 0 && step.Held >= 0 && step.Forward + step.Held <= input.Length, "Forward and Held within the input", step);
        Require(step.Kind == ImapStepKind.Login == (step.User is { Length: > 0 } && step.Tag is { Length: > 0 } && step.Held > 0), "a held login exactly for Login", step);
        Require(step.Kind == ImapStepKind.Invalid == (step.Problem is not null), "a problem exactly when invalid", step);
        Require(step.Kind == ImapStepKind.Reply == !step.Reply.IsEmpty, "reply bytes exactly for Reply", step);
        Require(step.Forward == 0 || input[step.Forward - 1] == (byte)'\n', "relaying whole lines only", step);
    }

    private static void Config(byte[] input)
    {
        IConfigurationRoot root;
        try
        {
            root = new ConfigurationBuilder().AddJsonStream(new MemoryStream(input)).Build();
        }
        catch (Exception e) when (e is FormatException or JsonException)
        {
            // Not JSON, or JSON the provider refuses (a duplicate key, a top level that is not an object): `usher`
            // reports it as "the file is not valid JSON".
            return;
        }

        try
        {
            var settings = ConfigReader.Read(root, "fuzz.json");
            Require(settings.Listeners.Count > 0, "at least one listener in accepted settings", settings);
        }
        catch (ConfigException e)
        {
            Require(e.Errors.Count > 0, "a problem named in every refusal", e.Message);
        }
    }

    private static void Check(HandshakeResult result, int received)
    {
        Require(result.Consumed >= 0 && result.Consumed <= received, "Consumed within the input", result);
        Require(Enum.IsDefined(result.Status), "a defined status", result);
        Require(result.Status == HandshakeStatus.Identified == !string.IsNullOrEmpty(result.Identity), "an identity exactly when identified", result);
        Require(result.Status == HandshakeStatus.Invalid == !string.IsNullOrEmpty(result.Problem), "a problem exactly when invalid", result);
        Require(result.Status == HandshakeStatus.Reply == !result.Reply.IsEmpty, "reply bytes exactly for Reply", result);
        Require(result.Status != HandshakeStatus.NeedMore || received < HandshakeLimits.MaxHandshakeBytes, "never NeedMore at 16 KB", result);
        Require(result.Identity is null || Encoding.UTF8.GetByteCount(result.Identity) <= HandshakeLimits.MaxIdentityBytes, "a bounded identity", result);
    }

    private static void Require<T>(bool condition, string what, T result)
    {
        if (!condition)
        {
            throw new InvalidOperationException($"expected {what}; got {result}");
        }
    }
}
