using Usher.Gateway.Engine;
using Usher.Configuration;
using Usher.Ledger;
using Usher.Protocols.Imap;

namespace Usher.Gateway.Proxy;

/// <summary>An IMAP login is a claim until the backend answers it, as the other identities the backend confirms
/// (ProxySession.Confirm.cs): the held LOGIN / AUTHENTICATE takes a place among its user's unconfirmed claims
/// (MaxUnconfirmedPerIdentity) and goes to the backend; NO gives the claim back; OK is held while the ledger admits
/// the session (the OnLimit policies act then, for a confirmed login only), and goes to the client once admitted, or
/// is replaced by the tagged <c>NO [UNAVAILABLE]</c> and <c>BYE</c> when refused.</summary>
internal sealed partial class ProxySession
{
    /// <summary>Claims the held login's user and lets the login through to the backend.</summary>
    private void ClaimImapLogin(ImapConversation imap)
    {
        var settings = _context.Settings;
        var identity = Record.Identity.Value;
        // Even at its limit the login goes to the backend: once accepted, the ledger admits it, waiting ClosingWait
        // for a session of the user that is ending, and a refusal then follows every answer the client waits for.
        if (!_context.State.Claims.TryClaim(identity, settings.MaxUnconfirmedPerIdentity, out var count))
        {
            RefuseClaim(new Admission(null, RefusedBy.Unconfirmed, count, settings.MaxUnconfirmedPerIdentity));
            return;
        }

        imap.Claimed(identity);
        DriveImap();
    }

    /// <summary>The backend accepted the login (its OK waits in the conversation): the claim ends
    /// and the ledger decides.</summary>
    private void OnImapLoggedIn(ImapConversation imap)
    {
        ReleaseImapClaim(imap);
        EndHandshakePhase();
        _state = State.Admitting;
        Admit();
    }

    private void ReleaseImapClaim(ImapConversation imap)
    {
        if (imap.EndClaim() is { } identity)
        {
            _context.State.Claims.Release(identity);
        }
    }
}
