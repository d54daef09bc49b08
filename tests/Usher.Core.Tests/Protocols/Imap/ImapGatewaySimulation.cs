using Usher.Protocols.Imap;

namespace Usher.Core.Tests.Protocols.Imap;

/// <summary>Drives <see cref="ImapLoginReader"/> as the gateway does: bytes arrive in chunks, every call sees all of
/// them, bytes up to Forward are relayed once, replies are sent, and reading stops at the first final step.</summary>
internal static class ImapGatewaySimulation
{
    public static (ImapStep Final, byte[] Relayed, List<string> Replies) Drive(ImapLoginReader reader, IEnumerable<byte[]> chunks)
    {
        var received = new List<byte>();
        var relayed = 0;
        var replies = new List<string>();
        var step = default(ImapStep);
        foreach (var chunk in chunks)
        {
            received.AddRange(chunk);
            step = reader.Read(received.ToArray());
            Assert.True(step.Forward >= relayed || step.Kind == ImapStepKind.Invalid, "Forward never goes back");
            relayed = Math.Max(relayed, step.Forward);
            if (step.Kind == ImapStepKind.Reply)
            {
                replies.Add(System.Text.Encoding.ASCII.GetString(step.Reply.Span));
            }

            if (step.Kind is ImapStepKind.Login or ImapStepKind.StartTls or ImapStepKind.Invalid)
            {
                break;
            }
        }

        return (step, received.Take(relayed).ToArray(), replies);
    }

    /// <summary>Splits <paramref name="bytes"/> into random chunks.</summary>
    public static IEnumerable<byte[]> RandomChunks(byte[] bytes, Random random)
    {
        for (var i = 0; i < bytes.Length;)
        {
            var n = Math.Min(bytes.Length - i, 1 + random.Next(12));
            yield return bytes.AsSpan(i, n).ToArray();
            i += n;
        }
    }
}
