using System.Globalization;
using System.Text;
using System.Text.Json;
using Usher.Configuration;
using Usher.Peaks;

namespace Usher.Cli.Commands;

/// <summary><c>usher advise</c>'s output: text for people, JSON for scripts.</summary>
internal static class AdviceText
{
    /// <summary>The most identities a text list names.</summary>
    private const int Listed = 10;

    public static string Text(IReadOnlyList<ListenerAdvice> advice, PeakHistory history, string file, GatewaySettings settings)
    {
        var text = new StringBuilder();
        var first = PeakHistory.StartOf(history.Hours.First());
        var last = PeakHistory.StartOf(history.Hours.Last()).AddHours(1);
        text.AppendLine(CultureInfo.InvariantCulture,
            $"Peaks from {file}: {history.HourCount} hour(s) recorded, {first:yyyy-MM-dd HH:mm}Z to {last:yyyy-MM-dd HH:mm}Z.");
        foreach (var a in advice)
        {
            var listener = settings.Listeners.First(l => l.Name == a.Listener);
            text.AppendLine();
            if (a.Identities == 0)
            {
                text.AppendLine(CultureInfo.InvariantCulture,
                    $"Listener \"{a.Listener}\": no session recorded; MaxSessionsPerIdentity stays {a.CurrentLimit}.");
                continue;
            }

            text.AppendLine(CultureInfo.InvariantCulture,
                $"Listener \"{a.Listener}\" ({listener.IdentityText}): {a.Identities} identities in {a.Hours} hour(s).");
            text.AppendLine(CultureInfo.InvariantCulture,
                $"  now:              MaxSessionsPerIdentity {a.CurrentLimit}, {listener.Overrides.Count} override(s)");
            text.AppendLine("  refused now:      " + List(a.RefusedNow, p => $"{p.Identity} {p.Refused} time(s), peak {p.Peak} (limit {p.Limit})"));
            text.AppendLine(CultureInfo.InvariantCulture,
                $"  suggested:        MaxSessionsPerIdentity {a.SuggestedLimit}; {a.Covered:0.#} % of identities never above the limit suggested for them");
            text.AppendLine("  overrides:        " + List(a.Overrides, p => $"{p.Identity} {p.Peak} (above {a.SuggestedLimit} in {p.HoursAbove} hour(s))")
                + (a.KeptOverrides.Count > 0 ? $"; kept, not seen: {string.Join(", ", a.KeptOverrides.Select(k => $"{k.Identity} {k.Limit}"))}" : string.Empty));
            text.AppendLine("  would be refused: " + List(a.WouldBeRefused, p => $"{p.Identity} (peak {p.Peak}, above {a.SuggestedLimit} in {p.HoursAbove} hour(s))"));
            if (a.UnneededOverrides.Count > 0)
            {
                text.AppendLine("  overrides no longer needed: " + string.Join(", ", a.UnneededOverrides));
            }

            if (a.MaskedIdentities)
            {
                text.AppendLine(CultureInfo.InvariantCulture,
                    $"  note: this listener shows identities as {listener.IdentityDisplay}; an override needs the identity in clear, so steady ones are listed, not overridden");
            }
        }

        if (advice.Any(AdvisedConfiguration.Applies))
        {
            text.AppendLine();
            text.AppendLine("Configuration (Usher:Listeners entries; --write FILE writes the whole configuration with them):");
            text.AppendLine(AdvisedConfiguration.Snippet(advice));
        }

        return text.ToString();
    }

    private static string List(IReadOnlyList<IdentityPeak> peaks, Func<IdentityPeak, string> show)
    {
        if (peaks.Count == 0)
        {
            return "none";
        }

        var named = string.Join("; ", peaks.Take(Listed).Select(show));
        return peaks.Count > Listed ? $"{named}; and {peaks.Count - Listed} more" : named;
    }

    public static string Json(IReadOnlyList<ListenerAdvice> advice, PeakHistory history, string file)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteString("file", file);
            w.WriteNumber("hours", history.HourCount);
            w.WriteStartArray("listeners");
            foreach (var a in advice)
            {
                w.WriteStartObject();
                w.WriteString("listener", a.Listener);
                w.WriteNumber("identities", a.Identities);
                w.WriteNumber("hours", a.Hours);
                w.WriteNumber("currentLimit", a.CurrentLimit);
                w.WriteNumber("suggestedLimit", a.SuggestedLimit);
                w.WriteNumber("coveredPercent", Math.Round(a.Covered, 3));
                Peaks(w, "overrides", a.Overrides);
                Peaks(w, "keptOverrides", a.KeptOverrides);
                Peaks(w, "refusedNow", a.RefusedNow);
                Peaks(w, "wouldBeRefused", a.WouldBeRefused);
                w.WriteStartArray("unneededOverrides");
                foreach (var identity in a.UnneededOverrides)
                {
                    w.WriteStringValue(identity);
                }

                w.WriteEndArray();
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray()) + "\n";
    }

    private static void Peaks(Utf8JsonWriter w, string name, IReadOnlyList<IdentityPeak> peaks)
    {
        w.WriteStartArray(name);
        foreach (var p in peaks)
        {
            w.WriteStartObject();
            w.WriteString("identity", p.Identity);
            w.WriteNumber("peak", p.Peak);
            w.WriteNumber("refused", p.Refused);
            w.WriteNumber("hoursAbove", p.HoursAbove);
            w.WriteNumber("limit", p.Limit);
            w.WriteEndObject();
        }

        w.WriteEndArray();
    }
}
