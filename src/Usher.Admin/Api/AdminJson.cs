using System.Text.Json.Serialization;

namespace Usher.Admin.Api;

/// <summary>The admin API's JSON, source-generated (camelCase); the CLI reads answers with the same context.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true,
    UseStringEnumConverter = true)]
[JsonSerializable(typeof(StatusResponse))]
[JsonSerializable(typeof(SessionView))]
[JsonSerializable(typeof(IReadOnlyList<SessionView>))]
[JsonSerializable(typeof(IReadOnlyList<IdentityCount>))]
[JsonSerializable(typeof(KillResult))]
[JsonSerializable(typeof(Problem))]
public sealed partial class AdminJson : JsonSerializerContext;
