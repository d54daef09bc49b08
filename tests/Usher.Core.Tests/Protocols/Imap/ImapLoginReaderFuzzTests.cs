using Usher.Core.Tests.Protocols.Support;
using Usher.Protocols;
using Usher.Protocols.Imap;

namespace Usher.Core.Tests.Protocols.Imap;

public sealed class ImapLoginReaderFuzzTests
{
    private static readonly byte[][] Seeds =
    [
        Captured.CurlImapLogin,
        Captured.CurlImapAuthenticatePlain,
        Bytes.Ascii("1 ID (\"name\" \"x\")\r\n2 LOGIN {5}\r\nalice {23}\r\n" + Secrets.Password + "\r\n"),
        Bytes.Ascii("1 NOOP\r\n2 AUTHENTICATE PLAIN\r\n" + Bytes.Base64("\0bob\0" + Secrets.Password) + "\r\n"),
        Bytes.Ascii("1 LOGIN \"bo\\\"b\" \"" + Secrets.Password + "\"\n2 STARTTLS\r\n"),
        Bytes.Ascii("1 CAPABILITY\r\n2 STARTTLS\r\n"),
    ];

    [Fact]
    public void Survives100000MutatedAndRandomInputsWithConsistentAnswers()
    {
        var reader = new ImapLoginReader();
        Fuzz.Run(seed: 5005, Seeds, input =>
        {
            var step = reader.Read(input);
            ResultChecks.Check(Enum.IsDefined(step.Kind), "a defined kind", step);
            ResultChecks.Check(step.Forward >= 0 && step.Held >= 0 && step.Forward + step.Held <= input.Length, "Forward and Held within the input", step);
            ResultChecks.Check(step.Kind == ImapStepKind.Login == (step.User is { Length: > 0 } && step.Tag is { Length: > 0 } && step.Held > 0), "a held login exactly for Login", step);
            ResultChecks.Check(step.Kind == ImapStepKind.Invalid == (step.Problem is not null), "a problem exactly when invalid", step);
            ResultChecks.Check(step.Kind == ImapStepKind.Reply == !step.Reply.IsEmpty, "reply bytes exactly for Reply", step);
            ResultChecks.Check(step.Kind is not (ImapStepKind.NeedMore or ImapStepKind.Reply) || input.Length < HandshakeLimits.MaxHandshakeBytes, "never waiting at 16 KB", step);
            ResultChecks.Check(step.Problem?.Contains(Secrets.Password, StringComparison.Ordinal) != true, "no password in the problem", step);
            ResultChecks.Check(step.Forward == 0 || input[step.Forward - 1] == (byte)'\n', "relaying whole lines only", step);
        });
    }
}
