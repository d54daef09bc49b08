using Usher.Protocols;

namespace Usher.Core.Tests.Protocols.Support;

/// <summary>What every <see cref="HandshakeResult"/> must satisfy, whatever the input.</summary>
internal static class ResultChecks
{
    public static void Consistent(HandshakeResult result, int received)
    {
        Check(result.Consumed >= 0 && result.Consumed <= received, "Consumed within the input", result);
        Check(Enum.IsDefined(result.Status), "a defined status", result);
        Check(result.Status == HandshakeStatus.Identified == !string.IsNullOrEmpty(result.Identity), "an identity exactly when identified", result);
        Check(result.Status == HandshakeStatus.Invalid == !string.IsNullOrEmpty(result.Problem), "a problem exactly when invalid", result);
        Check(result.Status == HandshakeStatus.Reply == !result.Reply.IsEmpty, "reply bytes exactly for Reply", result);
        Check(result.Status != HandshakeStatus.NeedMore || received < HandshakeLimits.MaxHandshakeBytes, "never NeedMore at 16 KB", result);
        Check(result.Identity is null || result.Identity.Length <= HandshakeLimits.MaxIdentityBytes, "a bounded identity", result);
    }

    public static void Check<T>(bool condition, string what, T result)
    {
        if (!condition)
        {
            throw new InvalidOperationException($"expected {what}; got {result}");
        }
    }
}
