using Usher.Testing;

namespace Usher.EndToEnd.Tests.Redis;

/// <summary>What the field tests' nodes run: one listener counting by source address (every client of the tests is
/// 127.0.0.1, so one identity), no wait in line at the limit (a refusal is answered at once), and refusals logged
/// folded every second.</summary>
internal static class FieldListeners
{
    /// <summary>Keys of the <c>Usher</c> section: the folded 9646/9656 lines every second.</summary>
    public const string Usher = "\"RefusalLogInterval\": \"00:00:01\",";

    /// <summary>The <c>Listeners</c> array: one listener in front of <paramref name="backend"/> with the identity limit
    /// <paramref name="limit"/>; MaxHandshakesPerSource raised so a race of one address is never shed at accept.</summary>
    public static string Json(SessionServer backend, int limit) => $$"""
        [ { "Name": "field", "Listen": "127.0.0.1:0", "Backend": "{{backend.EndPoint}}", "Identity": "SourceIp",
            "MaxSessionsPerIdentity": {{limit}}, "ClosingWait": "00:00:00", "MaxHandshakesPerSource": 1000 } ]
        """;
}
