using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Usher.Peaks;

/// <summary>The peak file: JSON, <c>{"Version":1,"Hours":[{"Hour":"2026-12-04T18:00:00Z","Listeners":{"pg":
/// {"alice":[3,0]}}}]}</c> where each identity's pair is its peak and its refusals in that hour. Written whole to a
/// temporary file and renamed over the old one, so a reader never sees half of it; never larger than its bound: the
/// oldest hours are left out first, and an hour too large on its own keeps its highest peaks.</summary>
public static class PeakFile
{
    private const int Version = 1;
    private static readonly byte[] Head = Encoding.UTF8.GetBytes("{\"Version\":1,\"Hours\":[");
    private static readonly byte[] Tail = Encoding.UTF8.GetBytes("]}\n");

    /// <summary>Writes <paramref name="history"/> within <paramref name="maxBytes"/>.</summary>
    /// <returns>The oldest hour written (later ones were all written), or <c>null</c> when none was.</returns>
    public static long? Write(string path, PeakHistory history, int maxBytes)
    {
        ArgumentNullException.ThrowIfNull(history);
        var room = maxBytes - Head.Length - Tail.Length;
        var chunks = new List<byte[]>();
        long? oldest = null;
        foreach (var hour in history.Hours.Reverse())
        {
            var chunk = Serialize(hour, history.Hour(hour), room - Separators(chunks.Count + 1) - chunks.Sum(c => c.Length));
            if (chunk is null)
            {
                break;
            }

            chunks.Add(chunk);
            oldest = hour;
        }

        chunks.Reverse();
        var folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(folder);
        var temporary = $"{path}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp";
        using (var file = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            file.Write(Head);
            for (var i = 0; i < chunks.Count; i++)
            {
                if (i > 0)
                {
                    file.WriteByte((byte)',');
                }

                file.Write(chunks[i]);
            }

            file.Write(Tail);
            file.Flush(flushToDisk: true);
        }

        try
        {
            File.Move(temporary, path, overwrite: true);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
        return oldest;
    }

    /// <summary>Runs the writer once in memory, so that what it needs (the JSON writer's assemblies) is loaded when the
    /// gateway starts rather than at its first write, in the middle of the traffic.</summary>
    public static void Prepare() => Serialize(0, [("listener", "identity", new PeakEntry(1, 0))]);

    private static int Separators(int chunks) => Math.Max(0, chunks - 1);

    /// <summary>One hour as JSON within <paramref name="room"/> bytes, keeping its highest peaks when all do not fit;
    /// <c>null</c> when not even one identity fits.</summary>
    private static byte[]? Serialize(long hour, IReadOnlyDictionary<string, Dictionary<string, PeakEntry>> listeners, int room)
    {
        var entries = listeners
            .SelectMany(l => l.Value.Select(i => (Listener: l.Key, Identity: i.Key, Entry: i.Value)))
            .OrderByDescending(e => e.Entry.Peak).ThenByDescending(e => e.Entry.Refused)
            .ToList();
        var keep = entries.Count;
        while (keep > 0)
        {
            var bytes = Serialize(hour, entries.Take(keep));
            if (bytes.Length <= room)
            {
                return bytes;
            }

            // Too large: drop a share of the lowest peaks at once, so a huge hour takes a few passes, not thousands.
            keep = Math.Min(keep - 1, (int)((long)keep * room / bytes.Length));
        }

        return null;
    }

    private static byte[] Serialize(long hour, IEnumerable<(string Listener, string Identity, PeakEntry Entry)> entries)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("Hour", PeakHistory.StartOf(hour).UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture));
            w.WriteStartObject("Listeners");
            foreach (var listener in entries.GroupBy(e => e.Listener, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal))
            {
                w.WriteStartObject(listener.Key);
                foreach (var (_, identity, entry) in listener.OrderBy(e => e.Identity, StringComparer.Ordinal))
                {
                    w.WriteStartArray(identity);
                    w.WriteNumberValue(entry.Peak);
                    w.WriteNumberValue(entry.Refused);
                    w.WriteEndArray();
                }

                w.WriteEndObject();
            }

            w.WriteEndObject();
            w.WriteEndObject();
        }

        return buffer.ToArray();
    }

    /// <summary>Reads a peak file; an absent file is an empty history.</summary>
    /// <exception cref="InvalidDataException">The file is not a peak file; the message says where.</exception>
    public static PeakHistory Read(string path)
    {
        var history = new PeakHistory();
        if (!File.Exists(path))
        {
            return history;
        }

        try
        {
            using var document = JsonDocument.Parse(File.ReadAllBytes(path));
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("Version", out var version)
                || version.GetInt32() != Version || !root.TryGetProperty("Hours", out var hours))
            {
                throw new InvalidDataException($"{path} is not an Usher peak file (version {Version})");
            }

            foreach (var item in hours.EnumerateArray())
            {
                var hour = PeakHistory.HourOf(DateTimeOffset.Parse(item.GetProperty("Hour").GetString()!, CultureInfo.InvariantCulture));
                foreach (var listener in item.GetProperty("Listeners").EnumerateObject())
                {
                    foreach (var identity in listener.Value.EnumerateObject())
                    {
                        var pair = identity.Value;
                        history.Add(hour, listener.Name, identity.Name,
                            new PeakEntry(pair[0].GetInt32(), pair.GetArrayLength() > 1 ? pair[1].GetInt32() : 0));
                    }
                }
            }

            return history;
        }
        catch (Exception e) when (e is JsonException or FormatException or KeyNotFoundException or InvalidOperationException
            or IndexOutOfRangeException)
        {
            throw new InvalidDataException($"{path} is not a readable Usher peak file: {e.Message}", e);
        }
    }
}
