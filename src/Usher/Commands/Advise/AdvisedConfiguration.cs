using System.Text.Json;
using System.Text.Json.Nodes;
using Usher.Configuration;
using Usher.Peaks;

namespace Usher.Cli.Commands;

/// <summary>The suggested limits as configuration: a listener entry per advised listener (the snippet), or the whole
/// configuration file with them applied (<c>--write</c>).</summary>
internal static class AdvisedConfiguration
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>Whether the advice changes anything worth writing: sessions were recorded on the listener.</summary>
    public static bool Applies(ListenerAdvice advice) => advice.Identities > 0;

    /// <summary>The listener entries with the suggested keys, as a JSON array.</summary>
    public static string Snippet(IEnumerable<ListenerAdvice> advice)
    {
        var entries = new JsonArray();
        foreach (var a in advice.Where(Applies))
        {
            var entry = new JsonObject { ["Name"] = a.Listener };
            Apply(entry, a);
            entries.Add(entry);
        }

        return entries.ToJsonString(Indented);
    }

    /// <summary>The configuration file at <paramref name="path"/> with the suggested keys set on its listeners.</summary>
    public static string Write(string path, GatewaySettings settings, IReadOnlyList<ListenerAdvice> advice)
    {
        var root = JsonNode.Parse(File.ReadAllText(path), documentOptions: new JsonDocumentOptions
        {
            CommentHandling = JsonCommentHandling.Skip,
            AllowTrailingCommas = true,
        })!;
        var listeners = root["Usher"]?["Listeners"]?.AsArray()
            ?? throw new JsonException($"{path} has no Usher:Listeners array to write the limits into");

        // The configuration reads its listeners in order, so the n-th entry is the n-th listener.
        for (var i = 0; i < listeners.Count && i < settings.Listeners.Count; i++)
        {
            if (listeners[i] is JsonObject entry && advice.FirstOrDefault(a => a.Listener == settings.Listeners[i].Name) is { } a && Applies(a))
            {
                Apply(entry, a);
            }
        }

        return root.ToJsonString(Indented) + "\n";
    }

    private static void Apply(JsonObject entry, ListenerAdvice advice)
    {
        entry["MaxSessionsPerIdentity"] = advice.SuggestedLimit;
        var overrides = new JsonArray();
        foreach (var o in advice.Overrides)
        {
            overrides.Add(new JsonObject { ["Identity"] = o.Identity, ["Limit"] = o.Peak });
        }

        foreach (var o in advice.KeptOverrides)
        {
            overrides.Add(new JsonObject { ["Identity"] = o.Identity, ["Limit"] = o.Limit });
        }

        if (overrides.Count > 0)
        {
            entry["Overrides"] = overrides;
        }
        else
        {
            entry.Remove("Overrides");
        }
    }
}
