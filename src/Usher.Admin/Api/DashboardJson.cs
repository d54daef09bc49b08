using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Usher.Admin.Api;

/// <summary>The event stream's JSON: as <see cref="AdminJson"/> but on one line, as a server-sent event's
/// <c>data:</c> field wants it (JSON escapes every newline inside strings).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = false)]
[JsonSerializable(typeof(DashboardFrame))]
[JsonSerializable(typeof(EventView))]
public sealed partial class DashboardJson : JsonSerializerContext
{
    /// <summary>The context the stream writes with ("+" in an identity or a version stays readable).</summary>
    public static DashboardJson Compact { get; } = new(new JsonSerializerOptions
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = false,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });
}
