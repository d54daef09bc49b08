namespace Usher.Benchmarks.Handshakes;

/// <summary>Handshakes captured from real clients (psql 15, mosquitto_pub 2.0.11, curl 7.88.1) on loopback.</summary>
internal static class HandshakeSamples
{
    public static readonly byte[] PsqlStartup = Convert.FromHexString(
        "00000039000300007573657200616c6963650064617461626173650073616c6573006170706c69636174696f6e5f6e616d65" +
        "007073716c0000");

    public static readonly byte[] MosquittoConnect311 = Convert.FromHexString(
        "102c00044d51545404c2003c000973656e736f722d31370005616c696365000e50772d3331312d506c616e746564");

    public static readonly byte[] MosquittoConnect5 = Convert.FromHexString(
        "105100044d51545405c6003c151100000e10260006726567696f6e00026575210014000973656e736f722d31370518000000" +
        "0500036279650004676f6e650005616c696365000c50772d352d506c616e746564");

    public static readonly byte[] CurlHttp = Convert.FromHexString(
        "474554202f6170692f76312f6974656d7320485454502f312e310d0a486f73743a203132372e302e302e313a31383038300d" +
        "0a417574686f72697a6174696f6e3a204261736963205957787059325536554863745348523063433151624746756447566b" +
        "0d0a557365722d4167656e743a206375726c2f372e38382e310d0a4163636570743a202a2f2a0d0a582d54656e616e743a20" +
        "61636d650d0a0d0a");

    public static readonly byte[] CurlImapLogin = Convert.FromHexString(
        "41303031204341504142494c4954590d0a41303032204c4f47494e20616c69636520225077205c2271756f7465645c5c5c22" +
        "20506c616e746564220d0a");

    public static readonly byte[] CurlImapAuthenticatePlain = Convert.FromHexString(
        "41303031204341504142494c4954590d0a413030322041555448454e54494341544520504c41494e204147467361574e6c51" +
        "475634595731776247557559323974414642334c556c745958417455477868626e526c5a413d3d0d0a");

    public static readonly byte[] CurlClientHello = Convert.FromHexString(
        "1603010200010001fc0303fd1da2ffec1d40b9bfa20b91f0839ef9b88d301199d2ef7db9a0dd897dbb2fe1204b835c28bd69" +
        "f04d9a68bb94a955d11a9bbc8c6dbe932de6ff74a6213b6af122003e130213031301c02cc030009fcca9cca8ccaac02bc02f" +
        "009ec024c028006bc023c0270067c00ac0140039c009c0130033009d009c003d003c0035002f00ff01000175000000150013" +
        "0000106d61696c2e6578616d706c652e636f6d000b000403000102000a00160014001d0017001e0019001801000101010201" +
        "0301040010000e000c02683208687474702f312e31001600000017000000310000000d002a00280403050306030807080808" +
        "09080a080b080408050806040105010601030303010302040205020602002b0009080304030303020301002d000201010033" +
        "00260024001d0020162d4d335d3496a45d1a0328a229d470617d741e2923dd2fdb517a94ccfa5912001500ad000000000000" +
        "0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000" +
        "0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000" +
        "0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000" +
        "0000000000000000000000000000000000");

    public static readonly byte[] ProxyV1Tcp4 = "PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\n"u8.ToArray();

    public static readonly byte[] ProxyV1Tcp6 = "PROXY TCP6 2001:db8::1 2001:db8::2 51000 443\r\n"u8.ToArray();

    public static readonly byte[] ProxyV2Tcp4 = Convert.FromHexString("0D0A0D0A000D0A515549540A2111000CAC130001AC130003A6520050");

    /// <summary>TCP over IPv6 with an AUTHORITY TLV and a NOOP TLV.</summary>
    public static readonly byte[] ProxyV2Tcp6WithTlvs = Convert.FromHexString(
        "0D0A0D0A000D0A515549540A21210035" +
        "20010DB8000000000000000000000007" + "20010DB8000000000000000000000001" + "9C4003E1" +
        "02000B6578616D706C652E636F6D" + "040000");

    public static readonly byte[] ImapLiteralLogin = "a1 LOGIN {5}\r\nalice {8}\r\np4ssw0rd\r\n"u8.ToArray();

    /// <summary>The ClientHello of <see cref="CurlClientHello"/> framed again into records of 100 bytes.</summary>
    public static readonly byte[] FragmentedClientHello = Reframe(CurlClientHello, 100);

    private static byte[] Reframe(byte[] record, int size)
    {
        var payload = record.AsSpan(5, (record[3] << 8) | record[4]);
        var output = new List<byte>();
        for (var i = 0; i < payload.Length; i += size)
        {
            var n = Math.Min(size, payload.Length - i);
            output.AddRange([22, 3, 1, (byte)(n >> 8), (byte)n]);
            output.AddRange(payload.Slice(i, n));
        }

        return [.. output];
    }
}
