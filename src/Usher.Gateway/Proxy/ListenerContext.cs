using Microsoft.Extensions.Logging;
using Usher.Configuration;
using Usher.Diagnostics;
using Usher.Gateway.Diagnostics;
using Usher.Identity;
using Usher.Ledger;
using Usher.Sessions;

namespace Usher.Gateway.Proxy;

/// <summary>What every session of one listener shares, so a session holds one reference instead of many. Immutable:
/// a reload that changes the listener makes a new context for the sessions accepted from then on, while the sessions
/// already open keep theirs; both count in the same <see cref="ListenerState"/>.</summary>
internal sealed class ListenerContext
{
    public required ListenerSettings Settings { get; init; }
    public required ISessionLedger Ledger { get; init; }

    /// <summary>What the listener keeps across reloads: its ledger scope and live IdleTimeout.</summary>
    public required ListenerState State { get; init; }

    /// <summary>The listener's counters in the ledger (the same before and after a reload).</summary>
    public LedgerScope Scope => State.Scope;
    public required SessionRegistry Registry { get; init; }
    public required RefusalLogFolder Refusals { get; init; }

    /// <summary>The process's descriptor budget, shared by every listener.</summary>
    public required Engine.DescriptorBudget Budget { get; init; }

    /// <summary>Connections closed at accept (9660, folded).</summary>
    public required ShedLog Shed { get; init; }
    public required GatewayMetrics Metrics { get; init; }
    public required GatewayEvents Events { get; init; }
    public required ILogger Logger { get; init; }
    public required TimeProvider Time { get; init; }
    public required BackendConnector Backend { get; init; }
    public required string IdentityKindName { get; init; }

    /// <summary>How the listener shows its identities (<c>IdentityDisplay</c>).</summary>
    public IdentityMask Mask { get; init; } = IdentityMask.Clear;
    public required string PolicyName { get; init; }

    /// <summary>The other nodes of a shared ledger, asked to probe an identity's idle sessions for a reclaim;
    /// <c>null</c> with the in-memory ledger.</summary>
    public Usher.Control.IClusterReclaim? Cluster { get; init; }
    public Protocols.IHandshakeProtocol? Handshake { get; init; }
    public ConnectRateLimiter? ConnectRate { get; init; }

    /// <summary>Each identity's peak sessions per hour, for <c>usher advise</c>; <c>null</c> when not recorded.</summary>
    public Usher.Peaks.PeakBook? Peaks { get; init; }

    /// <summary>TLS termination; <c>null</c> when the listener relays the bytes as they come.</summary>
    public Tls.TlsTerminator? Tls { get; init; }

    /// <summary>Cancelled when the gateway closes what is left after the shutdown grace (sessions that are not in the
    /// registry yet, such as TLS handshakes under way).</summary>
    public CancellationToken Stopping { get; init; }

    /// <summary>The identity of a session, with the form it is shown in computed once: the listener's own kind through
    /// its <see cref="Mask"/>; a source address a session of another kind falls back on (IMAP STARTTLS) as it is, as
    /// every event shows the client's address anyway.</summary>
    public SessionIdentity Identify(IdentityKind kind, string value) =>
        new(kind, value) { Shown = kind == Settings.Identity ? Mask.Show(value) : value };

    /// <summary>An admitted session: counted, and the identity's count the ledger admitted it at recorded as a peak
    /// (no second ledger lookup).</summary>
    public void CountAdmitted(SessionRecord record, Admission admission)
    {
        Metrics.Admitted(Settings.Name);
        Peaks?.Admitted(Settings.Name, record.Identity.Shown, admission.Count);
    }

    /// <summary>A refused session: counted and logged (folded) before the client sees its connection close.</summary>
    public void CountRefusal(SessionRecord record, Admission admission)
    {
        if (admission.RefusedBy == RefusedBy.Identity)
        {
            Peaks?.Refused(Settings.Name, record.Identity.Shown, admission.Count + 1);
        }

        var scope = admission.RefusedBy switch
        {
            RefusedBy.Listener => "listener",
            RefusedBy.Global => "global",
            RefusedBy.Unconfirmed => "unconfirmed",
            RefusedBy.LedgerUnavailable => Refusal.LedgerScope,
            _ => "identity",
        };
        Metrics.Refused(Settings.Name, scope);
        if (Events.Observed)
        {
            var eventId = admission.RefusedBy == RefusedBy.LedgerUnavailable ? UsherEvents.LedgerUnavailable : UsherEvents.SessionLimitExceeded;
            Events.Publish(new GatewayEvent(GatewayEventKind.Refused, eventId, Time.GetUtcNow(), Settings.Name,
                record.Identity.Shown, Client: record.Client.ToString(), Detail: $"limit {scope}, policy {PolicyName}",
                Count: admission.Count, Limit: admission.Limit));
        }

        Refusals.Refused(new Refusal(Settings.Name, record.Identity.Value, IdentityKindName, admission.Count,
            admission.Limit, scope, PolicyName, record.Client, record.Identity.Shown));
    }

    /// <summary>An admitted session ended: metrics and event 9642 with its reason.</summary>
    public void CountClosed(SessionRecord record)
    {
        var reason = record.CloseReason;
        Metrics.Closed(Settings.Name, reason, record.BytesFromClient, record.BytesFromBackend);
        Observe(GatewayEventKind.Closed, UsherEvents.SessionClosed, record, CloseReasonNames.Of(reason));
        var durationMs = (long)(Time.GetUtcNow() - record.StartedAt).TotalMilliseconds;
        Logger.SessionClosed(record.Id, record.Identity.Shown, Settings.Name, reason, durationMs,
            record.BytesFromClient, record.BytesFromBackend);
    }

    /// <summary>Tells the event hub about a session, when anyone listens (nothing is built otherwise).</summary>
    public void Observe(GatewayEventKind kind, int eventId, SessionRecord record, string detail, System.Net.EndPoint? client = null)
    {
        if (Events.Observed)
        {
            Events.Publish(new GatewayEvent(kind, eventId, Time.GetUtcNow(), Settings.Name, record.Identity.Shown, record.Id,
                (client ?? record.Client).ToString(), detail));
        }
    }
}
