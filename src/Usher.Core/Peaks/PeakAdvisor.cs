using Usher.Configuration;
using Usher.Identity;

namespace Usher.Peaks;

/// <summary>Chooses a listener's MaxSessionsPerIdentity and overrides from recorded peaks: the limit is the smallest
/// under which the asked share of identities (those without an override) never went; identities above it in at least
/// <c>steadyHours</c> hours get an override at their peak (they steadily need more: service accounts), the others are
/// listed as those the suggestion would refuse (one-off pile-ups, such as clients that vanished and came back).</summary>
public static class PeakAdvisor
{
    /// <summary>The default share of identities the suggested limit covers, in percent.</summary>
    public const double DefaultCoverage = 99.9;

    /// <summary>The default number of hours above the limit that make an identity steady.</summary>
    public const int DefaultSteadyHours = 3;

    /// <summary>Advice for <paramref name="listener"/> from <paramref name="history"/>.</summary>
    public static ListenerAdvice Advise(PeakHistory history, ListenerSettings listener, double coverage, int steadyHours)
    {
        ArgumentNullException.ThrowIfNull(history);
        ArgumentNullException.ThrowIfNull(listener);
        var records = new Dictionary<string, (PeakEntry Entry, List<(long Hour, int Peak)> Hours)>(StringComparer.Ordinal);
        var hours = 0;
        foreach (var hour in history.Hours)
        {
            if (!history.Hour(hour).TryGetValue(listener.Name, out var identities) || identities.Count == 0)
            {
                continue;
            }

            hours++;
            foreach (var (identity, entry) in identities)
            {
                if (!records.TryGetValue(identity, out var record))
                {
                    record = (default, []);
                }

                record.Hours.Add((hour, entry.Peak));
                records[identity] = (record.Entry.Merge(entry), record.Hours);
            }
        }

        var clear = listener.IdentityDisplay == IdentityDisplay.Clear;
        var plain = records.Where(r => !listener.Overrides.ContainsKey(r.Key)).Select(r => r.Value.Entry.Peak).Order().ToList();
        var suggested = plain.Count == 0 ? listener.MaxSessionsPerIdentity : plain[Math.Max(0, (int)Math.Ceiling(coverage / 100 * plain.Count) - 1)];
        suggested = Math.Max(1, suggested);

        var overrides = new List<IdentityPeak>();
        var wouldBeRefused = new List<IdentityPeak>();
        var refusedNow = new List<IdentityPeak>();
        var masked = false;
        var covered = 0;
        foreach (var (identity, (entry, perHour)) in records.OrderByDescending(r => r.Value.Entry.Peak).ThenBy(r => r.Key, StringComparer.Ordinal))
        {
            var above = perHour.Count(h => h.Peak > suggested);
            var peak = new IdentityPeak(identity, entry.Peak, entry.Refused, above, listener.LimitFor(identity));
            if (entry.Refused > 0)
            {
                refusedNow.Add(peak);
            }

            if (entry.Peak <= suggested)
            {
                covered++;
                continue;
            }

            var overridable = clear && !identity.StartsWith(IdentityMask.HashPrefix, StringComparison.Ordinal);
            if (overridable && (above >= steadyHours || listener.Overrides.ContainsKey(identity)))
            {
                overrides.Add(peak);
                covered++;
                continue;
            }

            masked |= !overridable && above >= steadyHours;
            wouldBeRefused.Add(peak);
        }

        return new ListenerAdvice
        {
            Listener = listener.Name,
            Identities = records.Count,
            Hours = hours,
            CurrentLimit = listener.MaxSessionsPerIdentity,
            SuggestedLimit = suggested,
            Covered = records.Count == 0 ? 100 : 100.0 * covered / records.Count,
            Overrides = overrides,
            RefusedNow = refusedNow,
            WouldBeRefused = wouldBeRefused,
            UnneededOverrides = [.. listener.Overrides.Keys.Where(k => records.ContainsKey(k) && !overrides.Any(o => o.Identity == k)).Order(StringComparer.Ordinal)],
            KeptOverrides = [.. listener.Overrides.Where(o => !records.ContainsKey(o.Key)).OrderBy(o => o.Key, StringComparer.Ordinal)
                .Select(o => new IdentityPeak(o.Key, 0, 0, 0, o.Value))],
            MaskedIdentities = masked,
        };
    }
}
