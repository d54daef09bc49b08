using Usher.Gateway.Sockets;

namespace Usher.Gateway.Audit;

/// <summary>How sessions are judged.</summary>
/// <param name="SuspectAfter">How long data or probes may stay unanswered before a session is <c>suspect</c>.
/// Defaults to 10 s (<see cref="DefaultSuspectAfter"/>): a live peer acknowledges within a round trip, and after 10 s
/// the sender has retransmitted about 5 times.</param>
/// <param name="Host">The host's own budget, for <c>dead-by-now</c>.</param>
internal sealed record AuditPolicy(TimeSpan SuspectAfter, HostLiveness Host)
{
    /// <summary>The default threshold for <c>suspect</c>.</summary>
    public static readonly TimeSpan DefaultSuspectAfter = TimeSpan.FromSeconds(10);

    /// <summary>Judges one session: <c>suspect</c> when a retransmission timeout has fired on unacknowledged data, or
    /// keepalive probes went unanswered, and the peer has been silent for <see cref="SuspectAfter"/>, and says how long its peer has been silent (when known) and whether that is only
    /// a lower bound (/proc/net/tcp has no timestamps: the silence is then deduced from the retransmissions).</summary>
    public (SessionVerdict Verdict, TimeSpan? Silence, bool AtLeast) Judge(TcpSocketEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        // Data waiting for its acknowledgement counts once a retransmission timeout has fired: until then the ACK of a
        // live peer may simply be on its way (an idle session's last ACK can be long ago when the server writes).
        var unacked = (entry.UnackedBytes > 0 || entry.Info is { Unacked: > 0 }) && entry.Retransmits > 0;
        TimeSpan? silence = entry.Info is { } info ? TimeSpan.FromMilliseconds(info.LastAckReceivedMs) : null;
        return Judge(unacked, entry.Probes ?? 0, entry.Retransmits, silence);
    }

    /// <summary>Judges one connection from its facts: whether data waits for its acknowledgement after a
    /// retransmission timeout fired, the keepalive probes unanswered, the timeouts in a row, and how long the peer has
    /// been silent (<c>null</c> when not timed: it is then deduced from <paramref name="retransmits"/>).</summary>
    public (SessionVerdict Verdict, TimeSpan? Silence, bool AtLeast) Judge(bool unacked, int probes, int retransmits, TimeSpan? silence)
    {
        var atLeast = silence is null;
        silence ??= HostLiveness.SilenceAfter(retransmits);
        if (!unacked && probes == 0)
        {
            return (SessionVerdict.Ok, atLeast ? null : silence, false);
        }

        var budget = unacked ? Host.RetransmitBudget : Host.Keepalive.Budget;
        if (silence >= budget || (atLeast && !unacked && probes >= Host.Keepalive.Count))
        {
            return (SessionVerdict.DeadByNow, silence, atLeast);
        }

        // Without timestamps an unanswered keepalive probe is itself the sign: a live peer answers at once.
        return silence >= SuspectAfter || (atLeast && probes > 0)
            ? (SessionVerdict.Suspect, silence, atLeast)
            : (SessionVerdict.Ok, silence, atLeast);
    }
}
