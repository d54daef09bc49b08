using System.Globalization;
using System.Net;
using Microsoft.Extensions.Configuration;

namespace Usher.Configuration;

/// <summary>Typed values with errors that name the key and the fix.</summary>
public sealed partial class ConfigReader
{
    /// <summary>The longest duration any key takes: timers cannot wait longer than int.MaxValue milliseconds
    /// (24.8 days), and a bound with a margin keeps sums such as ShutdownGrace plus the host's slack within it.</summary>
    internal static readonly TimeSpan MaxDuration = TimeSpan.FromDays(24);

    private bool? Bool(IConfigurationSection owner, string key)
    {
        var text = owner[key];
        if (text is null)
        {
            return null;
        }

        if (bool.TryParse(text, out var value))
        {
            return value;
        }

        Error(owner.GetSection(key).Path, $"\"{text}\" is not true or false", $"write \"{key}\": true or \"{key}\": false");
        return null;
    }

    private TimeSpan? Duration(IConfigurationSection owner, string key, bool allowZero = false)
    {
        var text = owner[key];
        if (string.IsNullOrWhiteSpace(text) || text.Equals("null", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        // A bare number would parse as days ("30" is a month): say what was probably meant instead.
        if (long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var number))
        {
            Error(owner.GetSection(key).Path, $"\"{text}\" has no unit (it would mean {number} days)",
                $"write it as hours:minutes:seconds, e.g. \"00:00:{Math.Clamp(number, 0, 59):00}\" for {Math.Clamp(number, 0, 59)} seconds");
            return null;
        }

        if (!TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var value))
        {
            Error(owner.GetSection(key).Path, $"\"{text}\" is not a duration",
                "write it as hours:minutes:seconds, e.g. \"00:00:30\" for 30 seconds");
            return null;
        }

        if (value < TimeSpan.Zero || (!allowZero && value == TimeSpan.Zero))
        {
            Error(owner.GetSection(key).Path, $"\"{text}\" must be {(allowZero ? "zero or more" : "more than zero")}",
                "write a positive duration, e.g. \"00:00:30\"");
            return null;
        }

        if (value > MaxDuration)
        {
            Error(owner.GetSection(key).Path, $"\"{text}\" is longer than the longest duration Usher takes, {MaxDuration:c} (24 days)",
                $"write at most \"{MaxDuration:c}\", or leave the key out for its default");
            return null;
        }

        return value;
    }

    private TimeSpan? WholeSeconds(IConfigurationSection owner, string key, int min, int max)
    {
        var value = Duration(owner, key);
        if (value is null)
        {
            return null;
        }

        if (value.Value.Ticks % TimeSpan.TicksPerSecond != 0 || value.Value.TotalSeconds < min || value.Value.TotalSeconds > max)
        {
            Error(owner.GetSection(key).Path,
                $"\"{owner[key]}\" must be a whole number of seconds between {min} and {max} (the kernel counts keepalive in seconds)",
                "write e.g. \"00:00:30\"");
            return null;
        }

        return value;
    }

    private int? Int(IConfigurationSection owner, string key, int min, int max)
    {
        var text = owner[key];
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        if (!int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value)
            || value < min || value > max)
        {
            Error(owner.GetSection(key).Path, $"\"{text}\" is not a whole number between {min} and {max}",
                $"write a number from {min} to {max}");
            return null;
        }

        return value;
    }

    private int? PositiveInt(IConfigurationSection owner, string key) => Int(owner, key, 1, int.MaxValue);

    private (string Host, int Port, EndPoint? EndPoint)? Endpoint(
        IConfigurationSection owner, string key, bool required, bool mustBeAddress, string? example = null)
    {
        var text = owner[key];
        var path = owner.GetSection(key).Path;
        example ??= mustBeAddress ? "\"127.0.0.1:6432\" or \"[::]:6432\"" : "\"10.0.0.7:5432\" or \"db.internal:5432\"";
        if (string.IsNullOrWhiteSpace(text))
        {
            if (required)
            {
                Error(path, "the key is missing", $"write host:port, e.g. {example}");
            }

            return null;
        }

        if (!TrySplitHostPort(text, out var host, out var port))
        {
            Error(path, $"\"{text}\" is not host:port", $"write host:port, e.g. {example}");
            return null;
        }

        if (!mustBeAddress)
        {
            if (port == 0)
            {
                Error(path, $"\"{text}\" has port 0", "name the backend's real port");
                return null;
            }

            return (host, port, null);
        }

        IPAddress? address = host switch
        {
            "*" => IPAddress.IPv6Any,
            "localhost" => IPAddress.Loopback,
            _ => IPAddress.TryParse(host, out var a) ? a : null,
        };
        if (address is null)
        {
            Error(path, $"\"{host}\" is not an IP address", $"listen on an address, e.g. {example}");
            return null;
        }

        return (host, port, new IPEndPoint(address, port));
    }

    internal static bool TrySplitHostPort(string text, out string host, out int port)
    {
        host = string.Empty;
        port = 0;
        text = text.Trim();
        int colon;
        if (text.StartsWith('['))
        {
            var close = text.IndexOf(']', StringComparison.Ordinal);
            if (close < 0 || close + 1 >= text.Length || text[close + 1] != ':')
            {
                return false;
            }

            host = text[1..close];
            colon = close + 1;
        }
        else
        {
            colon = text.LastIndexOf(':');
            if (colon <= 0 || text.IndexOf(':', StringComparison.Ordinal) != colon)
            {
                return false;
            }

            host = text[..colon];
        }

        return int.TryParse(text.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out port)
            && port is >= 0 and <= 65535 && host.Length > 0;
    }

    private void CheckKnownKeys(IConfigurationSection section, string[] known)
    {
        foreach (var child in section.GetChildren())
        {
            if (known.Contains(child.Key, StringComparer.OrdinalIgnoreCase))
            {
                continue;
            }

            var closest = known.MinBy(k => Distance(k.ToUpperInvariant(), child.Key.ToUpperInvariant()))!;
            var fix = Distance(closest.ToUpperInvariant(), child.Key.ToUpperInvariant()) <= Math.Max(2, closest.Length / 3)
                ? $"did you mean \"{closest}\"?"
                : $"remove it; known keys here are {string.Join(", ", known)}";
            Error(child.Path, "unknown key", fix);
        }
    }

    private static int Distance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }
}
