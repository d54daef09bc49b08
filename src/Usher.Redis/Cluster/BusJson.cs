using System.Text.Json.Serialization;

namespace Usher.Redis.Cluster;

/// <summary>The cluster bus's JSON, source-generated (camelCase, enums as names).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, UseStringEnumConverter = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(BusRequest))]
[JsonSerializable(typeof(BusReply))]
internal sealed partial class BusJson : JsonSerializerContext;
