using System.Text;
using Usher.Protocols.Imap;

namespace Usher.Core.Tests.Protocols.Imap;

/// <summary>IMAP's conversation before login, driven by byte scripts alone: what reaches the client and the backend,
/// what is held, claimed, admitted or refused, in the cases the Dovecot tests cover and with malformed, oversized and
/// pipelined input.</summary>
public sealed class ImapConversationTests
{
    private const string Greeting = "* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] ready\r\n";
    private const string No = "NO [UNAVAILABLE] Too many sessions for this user, try again later\r\n";
    private const string Bye = "* BYE [UNAVAILABLE] Too many sessions for this user, try again later\r\n";

    [Fact]
    public void CAPABILITY_ID_and_NOOP_before_LOGIN_go_to_the_backend_and_their_answers_to_the_client()
    {
        var script = new ImapScript()
            .Backend(Greeting)
            .Client("c1 CAPABILITY\r\nc2 ID NIL\r\nc3 NOOP\r\n")
            .Backend("* CAPABILITY IMAP4rev1\r\nc1 OK done\r\n* ID NIL\r\nc2 OK done\r\nc3 OK done\r\n");

        Assert.Equal("c1 CAPABILITY\r\nc2 ID NIL\r\nc3 NOOP\r\n", script.ToBackend);
        Assert.Equal(Greeting + "* CAPABILITY IMAP4rev1\r\nc1 OK done\r\n* ID NIL\r\nc2 OK done\r\nc3 OK done\r\n", script.ToClient);
        Assert.Empty(script.Claims);
        Assert.True(script.Conversation.BackendSettled);
    }

    [Fact]
    public void A_LOGIN_is_claimed_sent_once_claimed_and_its_OK_held_until_the_ledger_admits()
    {
        var script = new ImapScript().Backend(Greeting).Client("a1 LOGIN alice secret\r\n");

        Assert.Equal(["alice"], script.Claims);
        Assert.Equal("a1 LOGIN alice secret\r\n", script.ToBackend);
        Assert.Equal(ImapPhase.Held, script.Conversation.Phase);

        script.Backend("a1 OK [CAPABILITY IMAP4rev1] Logged in\r\n");
        Assert.True(script.Accepted);
        Assert.Null(script.Conversation.Claim);
        Assert.Equal(Greeting, script.ToClient);

        script.Admit();
        Assert.Equal(Greeting + "a1 OK [CAPABILITY IMAP4rev1] Logged in\r\n", script.ToClient);
        Assert.Equal(ImapPhase.Relaying, script.Conversation.Phase);
    }

    [Fact]
    public void A_CAPABILITY_pipelined_with_the_LOGIN_is_answered_before_the_login_goes_to_the_backend()
    {
        var script = new ImapScript().Client("a1 CAPABILITY\r\na2 LOGIN alice secret\r\n");

        Assert.Equal("a1 CAPABILITY\r\n", script.ToBackend);
        Assert.Equal(["alice"], script.Claims);

        script.Backend(Greeting).Backend("* CAPABILITY IMAP4rev1\r\n");
        Assert.Equal("a1 CAPABILITY\r\n", script.ToBackend);

        script.Backend("a1 OK done\r\n");
        Assert.Equal("a1 CAPABILITY\r\na2 LOGIN alice secret\r\n", script.ToBackend);
    }

    [Fact]
    public void A_pipelined_CAPABILITY_and_LOGIN_refused_before_the_greeting_gets_the_greeting_and_a1s_answer_then_NO_and_BYE()
    {
        var script = new ImapScript(connected: false) { RefuseClaims = true };
        script.Client("a1 CAPABILITY\r\na2 LOGIN alice secret\r\n");
        Assert.Equal("", script.ToClient);
        Assert.False(script.Refused);
        Assert.Equal(ImapPhase.Connecting, script.Conversation.Phase);

        script.Conversation.BackendConnected();
        script.Client("");
        Assert.Equal(["alice"], script.Claims);
        Assert.Equal(ImapPhase.Refusing, script.Conversation.Phase);
        Assert.False(script.Refused);

        script.Backend(Greeting).Backend("* CAPABILITY IMAP4rev1\r\n");
        Assert.False(script.Refused);

        script.Backend("a1 OK done\r\n");
        Assert.True(script.Refused);
        Assert.Equal(Greeting + "* CAPABILITY IMAP4rev1\r\na1 OK done\r\na2 " + No + Bye, script.ToClient);
        Assert.Equal("a1 CAPABILITY\r\n", script.ToBackend);
    }

    [Fact]
    public void A_refusal_after_the_backends_OK_drops_the_OK_and_the_logins_own_untagged_lines()
    {
        var script = new ImapScript().Backend(Greeting).Client("a1 LOGIN alice secret\r\n")
            .Backend("* CAPABILITY IMAP4rev1 IDLE\r\na1 OK Logged in\r\n");
        Assert.True(script.Accepted);

        script.Refuse();

        Assert.True(script.Refused);
        Assert.Equal(Greeting + "a1 " + No + Bye, script.ToClient);
    }

    [Fact]
    public void The_logins_own_untagged_lines_are_held_with_its_OK_and_sent_with_it_once_admitted()
    {
        var script = new ImapScript().Backend(Greeting).Client("a1 LOGIN alice secret\r\n")
            .Backend("* CAPABILITY IMAP4rev1 IDLE\r\na1 OK Logged in\r\n* 3 EXISTS\r\n");
        Assert.Equal(Greeting, script.ToClient);

        script.Admit();

        Assert.Equal(Greeting + "* CAPABILITY IMAP4rev1 IDLE\r\na1 OK Logged in\r\n* 3 EXISTS\r\n", script.ToClient);
    }

    [Fact]
    public void The_logins_untagged_lines_in_an_earlier_chunk_are_held_too_and_dropped_on_refusal()
    {
        var script = new ImapScript().Backend(Greeting).Client("a1 LOGIN alice secret\r\n")
            .Backend("* CAPABILITY IMAP4rev1").Backend(" IDLE\r\n* ENABLED\r\n");
        Assert.Equal(Greeting, script.ToClient);

        script.Backend("a1 OK Logged in\r\n").Refuse();

        Assert.Equal(Greeting + "a1 " + No + Bye, script.ToClient);
    }

    [Fact]
    public void The_logins_untagged_lines_held_across_chunks_go_with_its_OK_once_admitted()
    {
        var script = new ImapScript().Backend(Greeting).Client("a1 LOGIN alice secret\r\n")
            .Backend("* CAPABILITY IMAP4rev1 IDLE\r\n").Backend("a1 OK Logged in\r\n").Admit();

        Assert.Equal(Greeting + "* CAPABILITY IMAP4rev1 IDLE\r\na1 OK Logged in\r\n", script.ToClient);
    }

    [Fact]
    public void The_logins_untagged_lines_held_across_chunks_go_before_its_NO()
    {
        var script = new ImapScript().Backend(Greeting).Client("a1 LOGIN alice wrong\r\n")
            .Backend("* OK [ALERT] mind your password\r\n");
        Assert.Equal(Greeting, script.ToClient);

        script.Backend("a1 NO [AUTHENTICATIONFAILED] Authentication failed.\r\n");

        Assert.Equal(Greeting + "* OK [ALERT] mind your password\r\na1 NO [AUTHENTICATIONFAILED] Authentication failed.\r\n",
            script.ToClient);
    }

    [Fact]
    public void More_untagged_lines_than_a_logins_answer_pass_in_order_rather_than_being_held()
    {
        var script = new ImapScript().Backend(Greeting).Client("a1 LOGIN alice secret\r\n");
        var line = "* " + new string('x', 1000) + "\r\n";
        for (var i = 0; i < 5; i++)
        {
            script.Backend(line);
        }

        Assert.Equal(Greeting + string.Concat(Enumerable.Repeat(line, 5)), script.ToClient);

        script.Backend("a1 OK Logged in\r\n").Admit();
        Assert.Equal(Greeting + string.Concat(Enumerable.Repeat(line, 5)) + "a1 OK Logged in\r\n", script.ToClient);
    }

    [Fact]
    public void Commands_pipelined_after_the_LOGIN_reach_the_backend_only_once_it_accepted_the_login()
    {
        var script = new ImapScript().Backend(Greeting).Client("a1 LOGIN alice secret\r\na2 SELECT INBOX\r\n");
        Assert.Equal("a1 LOGIN alice secret\r\n", script.ToBackend);

        script.Client("a3 LOGOUT\r\n");
        Assert.Equal("a1 LOGIN alice secret\r\n", script.ToBackend);

        script.Backend("a1 OK Logged in\r\n").Admit();
        Assert.Equal("a1 LOGIN alice secret\r\na2 SELECT INBOX\r\na3 LOGOUT\r\n", script.ToBackend);
    }

    [Fact]
    public void A_wrong_password_gives_the_claim_back_and_a_pipelined_second_login_is_read_again_under_its_own_name()
    {
        var script = new ImapScript().Backend(Greeting).Client("a1 LOGIN alice wrong\r\na2 LOGIN bob secret\r\n");
        Assert.Equal(["alice"], script.Claims);
        Assert.Equal("a1 LOGIN alice wrong\r\n", script.ToBackend);

        script.Backend("a1 NO [AUTHENTICATIONFAILED] Authentication failed.\r\n");

        Assert.Equal(["alice"], script.ReleasedClaims);
        Assert.Equal(["alice", "bob"], script.Claims);
        Assert.Equal("a1 LOGIN alice wrong\r\na2 LOGIN bob secret\r\n", script.ToBackend);
        Assert.Equal(Greeting + "a1 NO [AUTHENTICATIONFAILED] Authentication failed.\r\n", script.ToClient);
        Assert.Equal("a2", script.Conversation.Tag);
    }

    [Fact]
    public void The_answer_to_an_earlier_command_with_the_same_tag_is_not_taken_for_the_logins()
    {
        var script = new ImapScript().Backend(Greeting).Client("X CAPABILITY\r\nX LOGIN alice decoy\r\n")
            .Backend("* CAPABILITY IMAP4rev1\r\nX OK done\r\n");

        Assert.False(script.Accepted);
        Assert.Equal("X CAPABILITY\r\nX LOGIN alice decoy\r\n", script.ToBackend);
        Assert.Equal(ImapPhase.Held, script.Conversation.Phase);

        script.Backend("X NO [AUTHENTICATIONFAILED] Authentication failed.\r\n");
        Assert.False(script.Accepted);
        Assert.Equal(["alice"], script.ReleasedClaims);
        Assert.Equal(ImapPhase.Reading, script.Conversation.Phase);
    }

    [Fact]
    public void LOGIN_with_synchronizing_literals_gets_the_gateways_continuations_and_none_of_the_backends()
    {
        var script = new ImapScript().Backend(Greeting).Client("L1 LOGIN {5}\r\n");
        Assert.Equal(Greeting + "+ Ready\r\n", script.ToClient);

        script.Client("alice {6}\r\n");
        Assert.Equal(Greeting + "+ Ready\r\n+ Ready\r\n", script.ToClient);
        Assert.Equal("", script.ToBackend);

        script.Client("secret\r\n").Backend("+ OK\r\n+ OK\r\nL1 OK Logged in\r\n").Admit();

        Assert.Equal(["alice"], script.Claims);
        Assert.Equal("L1 LOGIN {5}\r\nalice {6}\r\nsecret\r\n", script.ToBackend);
        Assert.Equal(Greeting + "+ Ready\r\n+ Ready\r\nL1 OK Logged in\r\n", script.ToClient);
    }

    [Fact]
    public void A_continuation_request_is_answered_once_however_often_the_client_is_read()
    {
        var script = new ImapScript().Backend(Greeting).Client("L1 LOGIN {5}\r\n").Client("").Client("");

        Assert.Equal(Greeting + "+ Ready\r\n", script.ToClient);
    }

    [Fact]
    public void A_continuation_request_waits_for_the_backends_greeting()
    {
        var script = new ImapScript().Client("L1 LOGIN {5}\r\n");
        Assert.Equal("", script.ToClient);

        script.Backend("* OK [CAPABILITY IMAP4rev1] re");
        Assert.Equal("* OK [CAPABILITY IMAP4rev1] re", script.ToClient);

        script.Backend("ady\r\n");
        Assert.Equal("* OK [CAPABILITY IMAP4rev1] ready\r\n+ Ready\r\n", script.ToClient);
    }

    [Fact]
    public void A_continuation_request_never_splits_a_line_the_backend_sent_in_part()
    {
        var script = new ImapScript().Backend(Greeting).Client("a1 CAPABILITY\r\n").Backend("* CAPABILITY IMAP4")
            .Client("a2 LOGIN {5}\r\n");
        Assert.Equal(Greeting + "* CAPABILITY IMAP4", script.ToClient);

        script.Backend("rev1\r\na1 OK");
        Assert.Equal(Greeting + "* CAPABILITY IMAP4rev1\r\na1 OK", script.ToClient);

        script.Backend(" done\r\n");
        Assert.Equal(Greeting + "* CAPABILITY IMAP4rev1\r\na1 OK done\r\n+ Ready\r\n", script.ToClient);
    }

    [Fact]
    public void A_continuation_request_waits_for_backend_bytes_parked_for_the_client()
    {
        var conversation = new ImapConversation();
        conversation.BackendConnected();
        conversation.OnBackendBytes(Encoding.ASCII.GetBytes(Greeting));

        Assert.Equal(ImapClientAction.Read, conversation.OnClientBytes("L1 LOGIN {5}\r\n"u8, full: false, clientOwed: true).Action);
        Assert.Equal(ImapClientAction.Reply, conversation.OnClientBytes("L1 LOGIN {5}\r\n"u8, full: false, clientOwed: false).Action);
    }

    [Fact]
    public void AUTHENTICATE_PLAIN_with_an_initial_response_is_claimed_under_its_authentication_identity()
    {
        var response = Convert.ToBase64String(Encoding.ASCII.GetBytes("\0alice\0secret"));
        var script = new ImapScript().Backend(Greeting).Client($"p1 AUTHENTICATE PLAIN {response}\r\n")
            .Backend("p1 OK Logged in\r\n").Admit();

        Assert.Equal(["alice"], script.Claims);
        Assert.Equal(Greeting + "p1 OK Logged in\r\n", script.ToClient);
    }

    [Fact]
    public void AUTHENTICATE_PLAIN_with_a_continuation_gets_the_gateways_empty_challenge_and_drops_the_backends()
    {
        var response = Convert.ToBase64String(Encoding.ASCII.GetBytes("\0alice\0secret"));
        var script = new ImapScript().Backend(Greeting).Client("p1 AUTHENTICATE PLAIN\r\n");
        Assert.Equal(Greeting + "+ \r\n", script.ToClient);

        script.Client(response + "\r\n").Backend("+ \r\np1 OK Logged in\r\n").Admit();

        Assert.Equal(["alice"], script.Claims);
        Assert.Equal($"p1 AUTHENTICATE PLAIN\r\n{response}\r\n", script.ToBackend);
        Assert.Equal(Greeting + "+ \r\np1 OK Logged in\r\n", script.ToClient);
    }

    [Fact]
    public void STARTTLS_is_held_admitted_by_source_address_and_relayed_from_its_own_line()
    {
        var script = new ImapScript().Backend(Greeting).Client("s0 CAPABILITY\r\ns1 STARTTLS\r\n");

        Assert.Equal(1, script.AdmittedBySource);
        Assert.True(script.Conversation.StartTls);
        Assert.Equal("s1", script.Conversation.Tag);
        Assert.Equal("s0 CAPABILITY\r\n", script.ToBackend);

        script.Admit();
        Assert.Equal("s0 CAPABILITY\r\ns1 STARTTLS\r\n", script.ToBackend);
    }

    [Fact]
    public void A_refused_STARTTLS_gets_a_tagged_NO_rather_than_a_TLS_handshake()
    {
        var script = new ImapScript().Backend(Greeting).Client("s1 STARTTLS\r\n").Refuse();

        Assert.Equal(Greeting + "s1 " + No + Bye, script.ToClient);
    }

    [Theory]
    [InlineData("S1 SELECT INBOX\r\n", "not allowed before login")]
    [InlineData("a1 ID {5}\r\n", "literal in a pre-login command")]
    [InlineData("a1 AUTHENTICATE CRAM-MD5\r\n", "mechanism other than PLAIN")]
    [InlineData("a1 LOGIN alice\r\n", "malformed LOGIN")]
    [InlineData("\r\n", "malformed")]
    public void A_command_the_gateway_cannot_read_closes_the_session_without_reaching_the_backend(string command, string problem)
    {
        var script = new ImapScript().Backend(Greeting).Client(command);

        Assert.Contains(problem, script.Rejected, StringComparison.Ordinal);
        Assert.Equal("", script.ToBackend);
        Assert.Empty(script.Claims);
    }

    [Fact]
    public void A_login_longer_than_256_bytes_is_rejected()
    {
        var script = new ImapScript().Backend(Greeting).Client($"a1 LOGIN {new string('a', 300)} secret\r\n");

        Assert.Contains("longer than 256 bytes", script.Rejected, StringComparison.Ordinal);
        Assert.Empty(script.Claims);
    }

    [Fact]
    public void More_than_16_KB_before_login_is_rejected_when_the_buffer_is_full()
    {
        var lines = string.Concat(Enumerable.Range(0, 2000).Select(i => $"n{i} NOOP\r\n"));
        var script = new ImapScript().Backend(Greeting).Client(Encoding.ASCII.GetBytes(lines));

        // The reader's own bound, or the buffer's: both close at 16 KB.
        Assert.Contains("16 KB", script.Rejected, StringComparison.Ordinal);
        Assert.Empty(script.Claims);
    }

    [Fact]
    public void A_buffer_filled_by_a_PROXY_header_counts_toward_the_limit()
    {
        var script = new ImapScript().Backend(Greeting).Client(Encoding.ASCII.GetBytes("a1 NOOP\r\na2 NOOP"), capacity: 12);

        Assert.Equal("more than 16 KB before login", script.Rejected);
        Assert.Equal("", script.ToBackend);
    }

    [Fact]
    public void Client_bytes_while_the_login_is_held_are_not_read_nor_sent()
    {
        var script = new ImapScript().Backend(Greeting).Client("a1 LOGIN alice secret\r\n").Client("a2 SELECT INBOX\r\n");

        Assert.Null(script.Rejected);
        Assert.Equal("a1 LOGIN alice secret\r\n", script.ToBackend);
    }

    [Fact]
    public void HandshakeTimeout_names_a_missing_login_or_a_backend_that_did_not_answer_it()
    {
        var timeout = TimeSpan.FromSeconds(5);
        var script = new ImapScript().Backend(Greeting);
        Assert.Equal("no login within HandshakeTimeout 00:00:05", script.Conversation.TimedOut(timeout));

        script.Client("a1 LOGIN alice secret\r\n");
        Assert.Equal("the backend did not answer the login within HandshakeTimeout 00:00:05", script.Conversation.TimedOut(timeout));
    }

    [Fact]
    public void Nothing_is_held_so_nothing_is_refused_in_IMAPs_words_before_a_command_is_held()
    {
        var script = new ImapScript().Backend(Greeting).Client("c1 CAPABILITY\r\n");

        Assert.True(script.Conversation.RefusalBytes().IsEmpty);
        Assert.False(script.Conversation.DeferRefusal(default, backendConnected: true, clientOwed: true));
    }

    [Fact]
    public void A_refusal_waits_while_bytes_owed_to_the_client_are_parked_and_goes_once_they_left()
    {
        var conversation = new ImapConversation();
        conversation.BackendConnected();
        conversation.OnBackendBytes(Encoding.ASCII.GetBytes(Greeting));
        Assert.Equal(ImapClientAction.Claim, conversation.OnClientBytes("a1 LOGIN alice secret\r\n"u8, full: false).Action);

        Assert.True(conversation.DeferRefusal(default, backendConnected: true, clientOwed: true));
        Assert.False(conversation.RefusalDue(clientOwed: true));
        Assert.True(conversation.RefusalDue(clientOwed: false));
        Assert.False(conversation.DeferRefusal(default, backendConnected: true, clientOwed: true));
    }

    [Fact]
    public void A_refusal_does_not_wait_for_a_backend_that_is_not_connected()
    {
        var conversation = new ImapConversation();
        conversation.BackendConnected();
        conversation.OnClientBytes("a1 CAPABILITY\r\na2 LOGIN alice secret\r\n"u8, full: false);

        Assert.False(conversation.DeferRefusal(default, backendConnected: false, clientOwed: false));
    }

    public static TheoryData<int> Seeds => new(Enumerable.Range(1, 40));

    [Theory]
    [MemberData(nameof(Seeds))]
    public void A_whole_conversation_ends_the_same_however_both_sides_are_split(int seed)
    {
        var random = new Random(seed);
        // The client sends the literal once asked for it; the backend answers only what reached it: its greeting at
        // once, then each command once sent.
        (string After, string Text)[] client =
        [
            ("", "a1 CAPABILITY\r\na2 LOGIN {5}\r\n"),
            ("+ Ready\r\n", "alice secret\r\na3 SELECT INBOX\r\n"),
        ];
        (string After, string Text)[] backend =
        [
            ("", Greeting),
            ("a1 CAPABILITY\r\n", "* CAPABILITY IMAP4rev1\r\na1 OK done\r\n"),
            ("alice secret\r\n", "+ OK\r\n* CAPABILITY IMAP4rev1 IDLE\r\na2 OK Logged in\r\n"),
        ];
        var script = new ImapScript();
        var fromClient = new Feed(client);
        var fromBackend = new Feed(backend);
        for (var turn = 0; turn < 1000 && !script.Accepted; turn++)
        {
            var clientMay = fromClient.May(script.ToClient);
            var backendMay = fromBackend.May(script.ToBackend);
            if (clientMay && (!backendMay || random.Next(2) == 0))
            {
                script.Client(fromClient.Next(random));
            }
            else if (backendMay)
            {
                script.Backend(fromBackend.Next(random));
            }
        }

        Assert.True(script.Accepted, $"to backend: {script.ToBackend} | to client: {script.ToClient}");
        script.Client(fromClient.Rest()).Admit();
        Assert.Equal(["alice"], script.Claims);
        Assert.Equal(client[0].Text + client[1].Text, script.ToBackend);
        // What the backend sends after its OK is relayed as it comes.
        var toClient = script.ToClient + fromBackend.Rest();
        // The gateway's continuation request comes once, between two of the backend's lines.
        var ready = toClient.IndexOf("\n+ Ready\r\n", StringComparison.Ordinal);
        Assert.True(ready > 0 && toClient.LastIndexOf("+ Ready", StringComparison.Ordinal) == ready + 1, toClient);
        Assert.Equal(Greeting + "* CAPABILITY IMAP4rev1\r\na1 OK done\r\n* CAPABILITY IMAP4rev1 IDLE\r\na2 OK Logged in\r\n",
            toClient.Remove(ready + 1, "+ Ready\r\n".Length));
    }

    /// <summary>One side's script: segments, each sent in random pieces once the other side has seen its
    /// <c>After</c>.</summary>
    private sealed class Feed((string After, string Text)[] segments)
    {
        private int _segment;
        private int _offset;

        public bool May(string seen) => _segment < segments.Length && seen.Contains(segments[_segment].After, StringComparison.Ordinal);

        public string Next(Random random)
        {
            var text = segments[_segment].Text;
            var n = Math.Min(text.Length - _offset, 1 + random.Next(6));

            var piece = text.Substring(_offset, n);
            (_segment, _offset) = _offset + n == text.Length ? (_segment + 1, 0) : (_segment, _offset + n);
            return piece;
        }

        public string Rest()
        {
            var rest = string.Concat(segments.Skip(_segment).Select((s, i) => i == 0 ? s.Text[_offset..] : s.Text));
            (_segment, _offset) = (segments.Length, 0);
            return rest;
        }
    }
}
