using Usher.Core.Tests.Protocols.Support;
using Usher.Protocols.Http;

namespace Usher.Core.Tests.Protocols.Http;

public sealed class HttpRequestReaderFuzzTests
{
    private static readonly byte[][] Seeds =
    [
        Captured.CurlHttpWithProxyV1[44..],
        Bytes.Ascii("GET / HTTP/1.1\r\nHost: a\r\nAuthorization: Basic " + Bytes.Base64("bob:" + Secrets.Password) + "\r\nX-Tenant: acme\r\n\r\n"),
        Bytes.Ascii("POST /x HTTP/1.0\r\nX-Tenant: acme\r\nContent-Length: 5\r\n\r\nhello"),
    ];

    [Fact]
    public void Survives100000MutatedAndRandomInputsWithConsistentAnswers()
    {
        var byTenant = new HttpRequestReader("X-Tenant");
        var byBasicUser = new HttpRequestReader("Authorization");
        Fuzz.Run(seed: 6006, Seeds, input =>
        {
            var basic = byBasicUser.Read(input);
            ResultChecks.Consistent(basic, input.Length);
            ResultChecks.Check(basic.Problem?.Contains(Secrets.Password, StringComparison.Ordinal) != true, "no password in the problem", basic);
            ResultChecks.Consistent(byTenant.Read(input), input.Length);
        });
    }
}
