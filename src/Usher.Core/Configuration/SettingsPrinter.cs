using System.Text;
using System.Text.Json;

namespace Usher.Configuration;

/// <summary>Writes effective settings back as configuration JSON, with every default filled in, so an operator sees
/// exactly what a listener will do.</summary>
public static class SettingsPrinter
{
    /// <summary>The effective configuration as indented JSON, in the configuration file's own shape.</summary>
    public static string ToJson(GatewaySettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions
        {
            Indented = true,
            // Printed for people, not embedded in HTML: keep "+" in "ImapLogin+SourceIp" readable.
            Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        }))
        {
            w.WriteStartObject();
            w.WriteStartObject("Usher");
            if (settings.MaxSessions is { } max)
            {
                w.WriteNumber("MaxSessions", max);
            }
            else
            {
                w.WriteString("MaxSessions", "(from the file-descriptor limit)");
            }

            if (settings.Workers is { } workers)
            {
                w.WriteNumber("Workers", workers);
            }
            else
            {
                w.WriteString("Workers", "(one per processor)");
            }

            w.WriteString("ShutdownGrace", settings.ShutdownGrace.ToString());
            w.WriteString("RefusalLogInterval", settings.RefusalLogInterval.ToString());
            w.WriteString("IdentityHashKeyFile", settings.IdentityHashKeyFile ?? "(none: a key drawn at start, hashes change at each restart)");
            if (settings.Peaks is { } peaks)
            {
                w.WriteStartObject("Peaks");
                w.WriteString("File", peaks.File);
                w.WriteNumber("MaxBytes", peaks.MaxBytes);
                w.WriteString("SaveInterval", peaks.SaveInterval.ToString());
                w.WriteEndObject();
            }
            else
            {
                w.WriteString("Peaks", "(not recorded)");
            }

            WriteLedger(w, settings.Ledger);
            WriteAdmin(w, settings.Admin);
            w.WriteStartArray("Listeners");
            foreach (var l in settings.Listeners)
            {
                WriteListener(w, l);
            }

            w.WriteEndArray();
            w.WriteEndObject();
            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }

    private static void WriteListener(Utf8JsonWriter w, ListenerSettings l)
    {
        w.WriteStartObject();
        w.WriteString("Name", l.Name);
        w.WriteString("Listen", l.Listen.ToString());
        w.WriteString("Backend", l.Backend);
        w.WriteString("Identity", l.IdentityText);
        w.WriteString("IdentityDisplay", l.IdentityDisplay.ToString());
        w.WriteStartArray("TrustedProxies");
        foreach (var network in l.TrustedProxies)
        {
            w.WriteStringValue(network.ToString());
        }

        w.WriteEndArray();
        w.WriteString("SendProxy", l.SendProxy ? "v2" : "none");
        w.WriteNumber("MaxSessionsPerIdentity", l.MaxSessionsPerIdentity);
        w.WriteNumber("MaxUnconfirmedPerIdentity", l.MaxUnconfirmedPerIdentity);
        if (l.MaxSessions is { } max)
        {
            w.WriteNumber("MaxSessions", max);
        }
        else
        {
            w.WriteNull("MaxSessions");
        }

        WriteOverrides(w, l.Overrides);
        w.WriteString("OnLimit", l.OnLimit.ToString());
        w.WriteString("ReclaimWait", l.ReclaimWait.ToString());
        w.WriteString("ClosingWait", l.ClosingWait.ToString());
        w.WriteString("ProbeMinIdle", l.ProbeMinIdle.ToString());
        w.WriteString("ProbeInterval", l.ProbeInterval.ToString());
        w.WriteNumber("ProbeCount", l.ProbeCount);
        w.WriteStartObject("Keepalive");
        w.WriteString("Idle", l.Keepalive.Idle.ToString());
        w.WriteString("Interval", l.Keepalive.Interval.ToString());
        w.WriteNumber("Count", l.Keepalive.Count);
        w.WriteEndObject();
        w.WriteString("UserTimeout", l.UserTimeout.ToString());
        if (l.IdleTimeout is { } idle)
        {
            w.WriteString("IdleTimeout", idle.ToString());
        }
        else
        {
            w.WriteNull("IdleTimeout");
        }

        w.WriteString("HandshakeTimeout", l.HandshakeTimeout.ToString());
        w.WriteNumber("MaxHandshakesPerSource", l.MaxHandshakesPerSource);
        w.WriteString("ConnectTimeout", l.ConnectTimeout.ToString());
        w.WriteBoolean("HalfClose", l.HalfClose);
        if (l.ConnectRate is { } rate)
        {
            w.WriteStartObject("ConnectRate");
            w.WriteNumber("PerIp", rate.PerIp);
            w.WriteString("Window", rate.Window.ToString());
            w.WriteEndObject();
        }
        else
        {
            w.WriteNull("ConnectRate");
        }

        WriteTls(w, l.Tls);
        if (l.BackendTls is { } backendTls)
        {
            w.WriteStartObject("BackendTls");
            w.WriteString("Ca", backendTls.Ca);
            w.WriteString("ServerName", backendTls.ServerName);
            w.WriteEndObject();
        }

        w.WriteEndObject();
    }

    /// <summary>The object form while every identity reads back as written; the array form once one holds ':'
    /// (an object key holding it would be read back as nested keys).</summary>
    private static void WriteOverrides(Utf8JsonWriter w, IReadOnlyDictionary<string, int> overrides)
    {
        var sorted = overrides.OrderBy(p => p.Key, StringComparer.Ordinal).ToList();
        if (!sorted.Exists(p => p.Key.Contains(':', StringComparison.Ordinal)))
        {
            w.WriteStartObject("Overrides");
            foreach (var (identity, limit) in sorted)
            {
                w.WriteNumber(identity, limit);
            }

            w.WriteEndObject();
            return;
        }

        w.WriteStartArray("Overrides");
        foreach (var (identity, limit) in sorted)
        {
            w.WriteStartObject();
            w.WriteString("Identity", identity);
            w.WriteNumber("Limit", limit);
            w.WriteEndObject();
        }

        w.WriteEndArray();
    }

    /// <summary>The admin endpoint: where it listens and where its token is, never the token itself.</summary>
    private static void WriteLedger(Utf8JsonWriter w, LedgerSettings? ledger)
    {
        w.WriteStartObject("Ledger");
        if (ledger is null)
        {
            w.WriteString("Kind", nameof(LedgerKind.InMemory));
            w.WriteEndObject();
            return;
        }

        w.WriteString("Kind", ledger.Kind.ToString());
        w.WriteString("Configuration", ledger.Configuration);
        w.WriteString("LeaseTtl", ledger.LeaseTtl.ToString());
        w.WriteString("FailMode", ledger.FailMode.ToString());
        w.WriteString("Timeout", ledger.Timeout.ToString());
        w.WriteString("Node", ledger.Node);
        w.WriteString("KeyPrefix", ledger.KeyPrefix);
        w.WriteEndObject();
    }

    private static void WriteAdmin(Utf8JsonWriter w, AdminSettings? admin)
    {
        if (admin is null)
        {
            w.WriteNull("Admin");
            return;
        }

        w.WriteStartObject("Admin");
        w.WriteString("Listen", admin.Listen.ToString());
        if (admin.TokenFile is { } file)
        {
            w.WriteString("TokenFile", file);
        }
        else
        {
            w.WriteNull("TokenFile");
        }

        w.WriteStartArray("AllowedHosts");
        foreach (var host in admin.AllowedHosts)
        {
            w.WriteStringValue(host);
        }

        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static void WriteTls(Utf8JsonWriter w, TlsSettings? tls)
    {
        if (tls is null)
        {
            w.WriteNull("Tls");
            return;
        }

        w.WriteStartObject("Tls");
        w.WriteString("Certificate", tls.Certificate);
        w.WriteString("Key", tls.Key);
        if (tls.ClientCa is { } ca)
        {
            w.WriteString("ClientCa", ca);
        }
        else
        {
            w.WriteNull("ClientCa");
        }

        w.WriteString("ClientCertificateIdentity", tls.ClientCertificateIdentity.ToString());
        w.WriteEndObject();
    }
}
