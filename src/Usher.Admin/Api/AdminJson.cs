using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Usher.Admin.Api;

/// <summary>The admin API's JSON, source-generated (camelCase); the CLI reads answers with the same context.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true)]
[JsonSerializable(typeof(StatusResponse))]
[JsonSerializable(typeof(SessionView))]
[JsonSerializable(typeof(IReadOnlyList<SessionView>))]
[JsonSerializable(typeof(IReadOnlyList<IdentityCount>))]
[JsonSerializable(typeof(KillResult))]
[JsonSerializable(typeof(ProbeResult))]
[JsonSerializable(typeof(Problem))]
[JsonSerializable(typeof(IReadOnlyList<NodeView>))]
public sealed partial class AdminJson : JsonSerializerContext
{
    /// <summary>The context the endpoint writes with: as <see cref="JsonSerializerContext"/>'s default, but "+" in a
    /// version or an identity (<c>alice@10.0.0.7</c>, <c>1.0.0+abc123</c>) stays readable instead of <c>\u002B</c>.
    /// The answers are <c>application/json</c>, never embedded in HTML.</summary>
    public static AdminJson Readable { get; } = new(new JsonSerializerOptions
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });
}
