using Usher.Core.Tests.Handshakes.Support;
using Usher.Handshakes.Tls;

namespace Usher.Core.Tests.Handshakes.Tls;

public sealed class TlsSniReaderFuzzTests
{
    private static readonly byte[][] Seeds =
    [
        Captured.CurlClientHello,
        Captured.OpenSslClientHello,
        Captured.OpenSslClientHelloWithoutSni,
        ClientHellos.Reframe(Captured.OpenSslClientHello, 64),
        ClientHellos.WithHost("a.example"),
    ];

    [Fact]
    public void Survives100000MutatedAndRandomInputsWithConsistentAnswers()
    {
        Fuzz.Run(seed: 2002, Seeds, input => ResultChecks.Consistent(TlsSniReader.Instance.Read(input), input.Length));
    }
}
