using Usher.Core.Tests.Protocols.Support;
using Usher.Protocols.Tls;

namespace Usher.Core.Tests.Protocols.Tls;

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
