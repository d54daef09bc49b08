using System.Buffers;
using System.Text;
using Usher.Ledger;

namespace Usher.Protocols.Imap;

/// <summary>IMAP before the identity is known, without I/O: the server speaks first, so the backend is connected at
/// once and its greeting and answers pass to the client while the client's commands are read. Complete CAPABILITY,
/// NOOP, ID and LOGOUT lines go to the backend; LOGIN / AUTHENTICATE PLAIN is held until its user is claimed, then
/// goes to the backend once it has answered everything before it, and nothing more from the client does until the
/// backend answers it. OK: held (with the login's own untagged lines) while the ledger admits, then the plain relay.
/// NO / BAD: the claim ends and the client's next commands are read afresh. STARTTLS: admitted by source address, then
/// relayed. A refusal follows every answer the client waits for: <c>tag NO [UNAVAILABLE]</c>, then <c>* BYE</c>.</summary>
/// <remarks>The session owns the sockets, the buffer of the client's bytes, the deadlines and the ledger; it tells
/// the conversation what arrived and what was decided, and does what the conversation answers. Offsets count from the
/// start of the client's bytes given to <see cref="OnClientBytes"/> (the conversation's start, or the end of a login
/// the backend refused). One conversation per session; not thread-safe.</remarks>
public sealed class ImapConversation
{
    private static readonly ImapLoginReader DefaultReader = new();
    private static readonly byte[] Bye = ImapRefusal.Bye();

    /// <summary>The most of the login's untagged answer lines held before its tagged answer comes (a post-login
    /// CAPABILITY fits many times); past it they pass as they come.</summary>
    private const int MaxAnswerLines = 4096;

    private readonly ImapLoginReader _reader;
    private readonly ImapBackendLines _lines = new();
    private int _forwardEnd;
    private int _heldEnd;
    private int _repliedAt = -1;
    private int _continuations;
    private bool _heldSent;
    private byte[]? _heldAnswer;
    private ArrayBufferWriter<byte>? _answerSoFar;

    /// <summary>A conversation whose backend connect is under way.</summary>
    /// <param name="reader">The reader of the client's commands; Dovecot's case folding of logins by default.</param>
    public ImapConversation(ImapLoginReader? reader = null) => _reader = reader ?? DefaultReader;

    /// <summary>The phase.</summary>
    public ImapPhase Phase { get; private set; }

    /// <summary>Client bytes sent to the backend end here.</summary>
    public int Relayed { get; private set; }

    /// <summary>The held command's tag, for a refusal and to find the backend's answer; <c>null</c> while none is
    /// held.</summary>
    public string? Tag { get; private set; }

    /// <summary>Whether the held command is STARTTLS (the login will not be seen).</summary>
    public bool StartTls { get; private set; }

    /// <summary>The identity the held login claims among the unconfirmed claims until the backend answers it;
    /// <c>null</c> when it holds no claim.</summary>
    public string? Claim { get; private set; }

    /// <summary>The refusal that waits for the backend's last answers (<see cref="ImapPhase.Refusing"/>).</summary>
    public Admission Refusal { get; private set; }

    /// <summary>Whether the backend's greeting and the answer to every forwarded command have passed: a refusal sent
    /// now follows them.</summary>
    public bool BackendSettled => _lines.Settled;

    /// <summary>The backend is connected (and a PROXY header sent): its greeting is awaited and the client's commands
    /// are read.</summary>
    public void BackendConnected() => Phase = ImapPhase.Reading;

    /// <summary>Reads the client's bytes since the last settled point.</summary>
    /// <param name="received">Every client byte since the conversation's start (or the last refused login).</param>
    /// <param name="full">Whether the session can take no more client bytes (its handshake buffer is full).</param>
    /// <param name="clientOwed">Whether backend bytes still wait to go to the client: a continuation request waits
    /// for them.</param>
    public ImapClientStep OnClientBytes(ReadOnlySpan<byte> received, bool full, bool clientOwed = false)
    {
        if (Phase != ImapPhase.Reading)
        {
            return ImapClientStep.Read;
        }

        var step = _reader.Read(received);
        if (step.Kind is ImapStepKind.NeedMore or ImapStepKind.Reply && full)
        {
            return ImapClientStep.Reject($"more than {HandshakeLimits.MaxHandshakeBytes / 1024} KB before login");
        }

        switch (step.Kind)
        {
            case ImapStepKind.NeedMore:
                Allow(received, step.Forward);
                return ImapClientStep.Read;
            case ImapStepKind.Reply:
                Allow(received, step.Forward);
                if (_repliedAt == received.Length || !_lines.Greeted || !_lines.AtLineStart || clientOwed)
                {
                    // Answered already, or the backend's greeting or a line of it is still on its way to the client:
                    // the request follows it (the session asks again once backend bytes passed).
                    return ImapClientStep.Read;
                }

                // Each continuation request is answered once.
                _repliedAt = received.Length;
                return new ImapClientStep(ImapClientAction.Reply, Reply: step.Reply);
            case ImapStepKind.Login:
                Allow(received, step.Forward);
                Hold(step.Forward + step.Held, step.Tag!, step.Continuations, startTls: false);
                return new ImapClientStep(ImapClientAction.Claim, Login: step.User);
            case ImapStepKind.StartTls:
                // Hold the STARTTLS line itself: a refused client gets a NO rather than a TLS handshake to nowhere.
                // Pre-login commands are one line each, so it starts after the previous line end.
                var start = received[..(step.Forward - 1)].LastIndexOf((byte)'\n') + 1;
                var tag = Encoding.ASCII.GetString(received.Slice(start, received[start..].IndexOf((byte)' ')));
                Allow(received, start);
                Hold(step.Forward, tag, 0, startTls: true);
                return new ImapClientStep(ImapClientAction.AdmitBySource);
            default:
                return ImapClientStep.Reject(step.Problem ?? "malformed IMAP command");
        }
    }

    /// <summary>The held login's user was claimed as <paramref name="identity"/>: the login goes to the backend once
    /// it has answered everything before it.</summary>
    public void Claimed(string identity)
    {
        Claim = identity;
        Phase = ImapPhase.Held;
    }

    /// <summary>Ends the claim (the backend answered the login, or the session ends).</summary>
    /// <returns>The identity whose claim the session gives back; <c>null</c> when none was held.</returns>
    public string? EndClaim()
    {
        var identity = Claim;
        Claim = null;
        return identity;
    }

    /// <summary>The client's bytes to send the backend now: complete pre-login commands, then the held login once its
    /// turn has come (the backend answered every command before it, so its answer is the next tagged line).</summary>
    /// <returns>Where they start and how many there are, in the client's bytes.</returns>
    public (int Start, int Length) ToBackend()
    {
        if (Phase == ImapPhase.Held && !_heldSent && _lines.Outstanding == 0)
        {
            _heldSent = true;
            _forwardEnd = _heldEnd;
            _lines.Await(Tag!, _continuations);
        }

        return (Relayed, _forwardEnd - Relayed);
    }

    /// <summary><paramref name="count"/> bytes of <see cref="ToBackend"/> were sent.</summary>
    public void SentToBackend(int count) => Relayed += count;

    /// <summary>Filters the backend's bytes in place: the continuation requests the gateway answered in the backend's
    /// place are dropped, and the backend's answer to the held login is found.</summary>
    public ImapBackendStep OnBackendBytes(Span<byte> chunk)
    {
        var kept = _lines.Filter(chunk, out var answer);
        if (Phase != ImapPhase.Held)
        {
            return new ImapBackendStep(kept);
        }

        // Where the login's answer (its untagged lines, then the tagged one) starts in this chunk.
        var from = _answerSoFar is not null ? 0 : _lines.AnswerStart;
        if (answer == ImapAnswer.Failed)
        {
            // The untagged lines held so far go first. The client's bytes after the login are read afresh, so a
            // second login on the connection is counted under its own name.
            var settled = _heldEnd;
            var before = TakeAnswerSoFar();
            Restart();
            return new ImapBackendStep(kept, ImapAnswer.Failed, settled, before);
        }

        if (from < 0 || from >= kept)
        {
            return new ImapBackendStep(kept);
        }

        // The OK to the login and the untagged lines of its answer before it are held while the ledger admits, and
        // dropped if it refuses, however the backend's bytes were split.
        if (answer == ImapAnswer.Ok)
        {
            var soFar = TakeAnswerSoFar();
            var held = new byte[soFar.Length + kept - from];
            soFar.Span.CopyTo(held);
            chunk[from..kept].CopyTo(held.AsSpan(soFar.Length));
            _heldAnswer = held;
            return new ImapBackendStep(from, ImapAnswer.Ok);
        }

        _answerSoFar ??= new ArrayBufferWriter<byte>();
        if (_answerSoFar.WrittenCount + kept - from > MaxAnswerLines)
        {
            // More than a login's answer: what was held and this chunk pass as they came.
            return new ImapBackendStep(kept, Before: TakeAnswerSoFar());
        }

        _answerSoFar.Write(chunk[from..kept]);
        return new ImapBackendStep(from);
    }

    /// <summary>The login's untagged answer lines held so far, no longer held.</summary>
    private ReadOnlyMemory<byte> TakeAnswerSoFar()
    {
        var soFar = _answerSoFar?.WrittenMemory.ToArray() ?? ReadOnlyMemory<byte>.Empty;
        _answerSoFar = null;
        return soFar;
    }

    /// <summary>The ledger admitted the held command's identity: the relay starts.</summary>
    /// <param name="relayFrom">Where, in the client's bytes, what the relay sends the backend starts: the STARTTLS
    /// line, or what the client sent after the login.</param>
    /// <returns>The backend's held answer to the login, for the client before anything else.</returns>
    public ReadOnlyMemory<byte> Admitted(out int relayFrom)
    {
        relayFrom = StartTls ? Relayed : _heldEnd;
        var held = _heldAnswer;
        _heldAnswer = null;
        Phase = ImapPhase.Relaying;
        return held;
    }

    /// <summary>The ledger refused the held command: whether the refusal waits for the backend's answers to the
    /// commands the client sent before it (a client that pipelined <c>a1 CAPABILITY</c> and <c>a2 LOGIN</c>, refused
    /// before the greeting came), so the client reads every answer it waits for in order.</summary>
    /// <param name="refusal">The ledger's answer.</param>
    /// <param name="backendConnected">Whether the backend connection is open.</param>
    /// <param name="clientOwed">Whether backend bytes still wait to go to the client.</param>
    /// <returns><c>true</c> when the refusal waits (<see cref="ImapPhase.Refusing"/>) until
    /// <see cref="RefusalDue"/>.</returns>
    public bool DeferRefusal(Admission refusal, bool backendConnected, bool clientOwed)
    {
        if (Tag is null || Phase is ImapPhase.Refusing or ImapPhase.Relaying || !backendConnected
            || (_lines.Settled && !clientOwed))
        {
            return false;
        }

        Refusal = refusal;
        Phase = ImapPhase.Refusing;
        return true;
    }

    /// <summary>Whether a waiting refusal goes now: every answer the client waits for has reached it.</summary>
    public bool RefusalDue(bool clientOwed) => Phase == ImapPhase.Refusing && _lines.Settled && !clientOwed;

    /// <summary>The refusal of the held command: a tagged <c>NO [UNAVAILABLE]</c>, then <c>BYE</c>; empty when no
    /// command is held.</summary>
    public ReadOnlyMemory<byte> RefusalBytes()
    {
        if (Tag is null)
        {
            return ReadOnlyMemory<byte>.Empty;
        }

        var no = ImapRefusal.TaggedNo(Tag);
        var bytes = new byte[no.Length + Bye.Length];
        no.CopyTo(bytes, 0);
        Bye.CopyTo(bytes, no.Length);
        return bytes;
    }

    /// <summary>Why the session ends when HandshakeTimeout (<paramref name="timeout"/>) passes.</summary>
    public string TimedOut(TimeSpan timeout) => Phase == ImapPhase.Held
        ? $"the backend did not answer the login within HandshakeTimeout {timeout}"
        : $"no login within HandshakeTimeout {timeout}";

    /// <summary>Allows the client's bytes up to <paramref name="end"/> to the backend: complete command lines.</summary>
    private void Allow(ReadOnlySpan<byte> received, int end)
    {
        if (end > _forwardEnd)
        {
            _lines.Forwarded(received[_forwardEnd..end].Count((byte)'\n'));
            _forwardEnd = end;
        }
    }

    /// <summary>A complete LOGIN / AUTHENTICATE (or STARTTLS) from the forward end to <paramref name="end"/> waits
    /// for admission.</summary>
    private void Hold(int end, string tag, int continuations, bool startTls)
    {
        _heldEnd = end;
        Tag = tag;
        _continuations = continuations;
        StartTls = startTls;
        _heldSent = false;
        Phase = ImapPhase.Admitting;
    }

    /// <summary>The backend refused the login: what the client sent after it is read afresh, from offset 0.</summary>
    private void Restart()
    {
        Relayed = 0;
        _forwardEnd = 0;
        _heldEnd = 0;
        _repliedAt = -1;
        Tag = null;
        _continuations = 0;
        _heldSent = false;
        Phase = ImapPhase.Reading;
    }
}
