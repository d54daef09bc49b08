using Usher.Protocols.Tls;

namespace Usher.Core.Tests.Protocols.Tls;

public sealed class TlsRefusalTests
{
    [Theory]
    [InlineData(TlsAlert.AccessDenied, 49)]
    [InlineData(TlsAlert.UnrecognizedName, 112)]
    [InlineData(TlsAlert.InternalError, 80)]
    [InlineData(TlsAlert.HandshakeFailure, 40)]
    public void WritesAFatalAlertRecord(TlsAlert alert, byte description)
    {
        Assert.Equal(new byte[] { 21, 3, 3, 0, 2, 2, description }, TlsRefusal.Alert(alert).ToArray());
    }
}
