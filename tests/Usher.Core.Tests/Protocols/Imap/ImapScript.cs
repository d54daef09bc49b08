using System.Text;
using Usher.Ledger;
using Usher.Protocols;
using Usher.Protocols.Imap;

namespace Usher.Core.Tests.Protocols.Imap;

/// <summary>Plays a session's part around an <see cref="ImapConversation"/> with byte scripts and no sockets, in the
/// order ProxySession drives it: the backend's bytes first, then the client's allowed bytes to the backend, then the
/// client's new commands. What each side would have received is kept as text.</summary>
internal sealed class ImapScript
{
    private readonly List<byte> _client = [];
    private readonly StringBuilder _toClient = new();
    private readonly StringBuilder _toBackend = new();

    public ImapScript(bool connected = true)
    {
        if (connected)
        {
            Conversation.BackendConnected();
        }
    }

    public ImapConversation Conversation { get; } = new();

    /// <summary>Whether a claim is refused at once (its user has too many unconfirmed claims).</summary>
    public bool RefuseClaims { get; init; }

    /// <summary>What the client received.</summary>
    public string ToClient => _toClient.ToString();

    /// <summary>What the backend received.</summary>
    public string ToBackend => _toBackend.ToString();

    /// <summary>The logins claimed, in order.</summary>
    public List<string> Claims { get; } = [];

    /// <summary>Held commands admitted by source address (STARTTLS).</summary>
    public int AdmittedBySource { get; private set; }

    /// <summary>Why the session was closed; <c>null</c> while it is open.</summary>
    public string? Rejected { get; private set; }

    /// <summary>Claims given back when the backend refused a login.</summary>
    public List<string> ReleasedClaims { get; } = [];

    /// <summary>Whether the backend accepted the login and the ledger is asked.</summary>
    public bool Accepted { get; private set; }

    /// <summary>Whether the refusal was sent.</summary>
    public bool Refused { get; private set; }

    /// <summary>The client sends <paramref name="text"/>.</summary>
    public ImapScript Client(string text) => Client(Encoding.UTF8.GetBytes(text));

    /// <summary>The client sends <paramref name="bytes"/>, read with a handshake buffer of
    /// <paramref name="capacity"/> bytes.</summary>
    public ImapScript Client(byte[] bytes, int capacity = HandshakeLimits.MaxHandshakeBytes)
    {
        var room = Math.Min(bytes.Length, capacity - _client.Count);
        _client.AddRange(bytes.AsSpan(0, room).ToArray());
        Drive(_client.Count >= capacity);
        return this;
    }

    /// <summary>The backend sends <paramref name="text"/>.</summary>
    public ImapScript Backend(string text)
    {
        var chunk = Encoding.UTF8.GetBytes(text);
        var step = Conversation.OnBackendBytes(chunk);
        if (step.Answer == ImapAnswer.Failed)
        {
            if (Conversation.EndClaim() is { } released)
            {
                ReleasedClaims.Add(released);
            }

            _client.RemoveRange(0, step.Settled);
        }

        _toClient.Append(Encoding.UTF8.GetString(step.Before.Span));
        _toClient.Append(Encoding.UTF8.GetString(chunk, 0, step.Pass));
        if (step.Answer == ImapAnswer.Ok)
        {
            Accepted = true;
            Conversation.EndClaim();
            return this;
        }

        Drive(full: false);
        return this;
    }

    /// <summary>The ledger admits the held command: its held answer goes to the client, and the relay sends the
    /// client's bytes from where the conversation says.</summary>
    public ImapScript Admit()
    {
        var held = Conversation.Admitted(out var relayFrom);
        _toClient.Append(Encoding.UTF8.GetString(held.Span));
        _toBackend.Append(Encoding.UTF8.GetString(_client.Skip(relayFrom).ToArray()));
        return this;
    }

    /// <summary>The ledger (or the claims) refuse the held command: the refusal goes now or once every answer the
    /// client waits for came.</summary>
    public ImapScript Refuse()
    {
        var refusal = new Admission(null, RefusedBy.Identity, 2, 2);
        if (!Conversation.DeferRefusal(refusal, backendConnected: true, clientOwed: false))
        {
            SendRefusal();
        }

        return this;
    }

    private void SendRefusal()
    {
        Refused = true;
        _toClient.Append(Encoding.UTF8.GetString(Conversation.RefusalBytes().Span));
    }

    private void Drive(bool full)
    {
        if (Refused || Rejected is not null || Accepted)
        {
            return;
        }

        Flush();
        if (Conversation.RefusalDue(clientOwed: false))
        {
            SendRefusal();
            return;
        }

        var step = Conversation.OnClientBytes(_client.ToArray(), full);
        switch (step.Action)
        {
            case ImapClientAction.Reply:
                _toClient.Append(Encoding.UTF8.GetString(step.Reply.Span));
                break;
            case ImapClientAction.Claim when RefuseClaims:
                // MaxUnconfirmedPerIdentity: refused before the login goes to the backend.
                Claims.Add(step.Login!);
                Flush();
                Refuse();
                return;
            case ImapClientAction.Claim:
                Claims.Add(step.Login!);
                Conversation.Claimed(step.Login!);
                break;
            case ImapClientAction.AdmitBySource:
                AdmittedBySource++;
                break;
            case ImapClientAction.Reject:
                Rejected = step.Problem;
                return;
        }

        Flush();
    }

    private void Flush()
    {
        var (start, length) = Conversation.ToBackend();
        if (length > 0)
        {
            _toBackend.Append(Encoding.UTF8.GetString(_client.Skip(start).Take(length).ToArray()));
            Conversation.SentToBackend(length);
        }
    }
}
