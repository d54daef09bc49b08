using System.Text.Json.Serialization;

namespace Usher.Cli.Commands;

/// <summary><c>usher audit --json</c>, source-generated (camelCase).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true)]
[JsonSerializable(typeof(AuditOutput))]
internal sealed partial class AuditJson : JsonSerializerContext;
