using System.Text;

namespace Usher.Protocols.Imap;

/// <summary>The backend's lines before login, read as they pass to the client and never buffered: counts the tagged
/// answers to the commands forwarded so far, drops the continuation requests (<c>+</c> lines) the gateway already
/// answered in the backend's place, and finds the tagged answer to the held login. A line is classified by its
/// first bytes (the tag, a space, a status word), so it may arrive in any number of pieces.</summary>
public sealed class ImapBackendLines
{
    private const int OkStatus = ('O' << 8) | 'K';
    private const int MaxStatusLetters = 3;

    private LineState _line;
    private byte[]? _tag;
    private int _matched;
    private int _status;
    private int _statusLetters;
    private int _drop;
    private int _answerStart;

    private enum LineState : byte
    {
        Start = 0,
        Pass,
        Drop,
        Tag,
        Status,
    }

    /// <summary>Commands forwarded whose tagged answer has not come yet.</summary>
    public int Outstanding { get; private set; }

    /// <summary>Where, in the bytes the last <see cref="Filter"/> kept, the answer to the held login began (its
    /// untagged lines, then the tagged one); -1 when it began in an earlier chunk.</summary>
    public int AnswerStart => _answerStart;

    /// <summary>Whether the backend's greeting (its first line) has passed.</summary>
    public bool Greeted { get; private set; }

    /// <summary>Whether the bytes passed so far end at a line's end (or none passed): a line of the gateway's own
    /// sent now does not split one of the backend's.</summary>
    public bool AtLineStart => _line == LineState.Start;

    /// <summary>Whether the greeting and the answer to every forwarded command have passed: a refusal sent now
    /// follows them.</summary>
    public bool Settled => Greeted && Outstanding == 0;

    /// <summary>Whether the answer to a held login is awaited.</summary>
    public bool Awaiting => _tag is not null;

    /// <summary><paramref name="commands"/> more commands went to the backend.</summary>
    public void Forwarded(int commands) => Outstanding += commands;

    /// <summary>The held login with <paramref name="tag"/> went to the backend: drop the first
    /// <paramref name="continuations"/> <c>+</c> lines and find its tagged answer.</summary>
    public void Await(string tag, int continuations)
    {
        _tag = Encoding.ASCII.GetBytes(tag);
        _drop = continuations;
    }

    /// <summary>Filters <paramref name="chunk"/> in place and returns how many bytes at its start go to the client.
    /// When the answer to the held login is seen, <paramref name="answer"/> tells it; after an OK the rest of the
    /// chunk is kept unread (it belongs to the logged-in session).</summary>
    public int Filter(Span<byte> chunk, out ImapAnswer answer)
    {
        answer = ImapAnswer.None;
        _answerStart = -1;
        var kept = 0;
        for (var i = 0; i < chunk.Length; i++)
        {
            var b = chunk[i];
            switch (_line)
            {
                case LineState.Start when b == (byte)'+' && _drop > 0:
                    _drop--;
                    _line = LineState.Drop;
                    continue;
                case LineState.Drop:
                    _line = b == (byte)'\n' ? LineState.Start : LineState.Drop;
                    continue;
                case LineState.Start:
                    // Once every earlier command is answered, untagged lines belong to the login's answer (a server
                    // sends its post-login CAPABILITY before the tagged OK): they are held with it.
                    var ofTheLogin = _tag is not null && Greeted && Outstanding == 0 && b == (byte)'*';
                    _line = Begin(b);
                    if ((_line == LineState.Tag || ofTheLogin) && _answerStart < 0)
                    {
                        _answerStart = kept;
                    }

                    break;
                case LineState.Tag:
                    _line = TagByte(b);
                    break;
                case LineState.Status when _statusLetters <= MaxStatusLetters && char.IsAsciiLetter((char)b):
                    _status = (_status << 8) | (b & 0xDF);
                    _statusLetters++;
                    break;
                case LineState.Status:
                    answer = _statusLetters == 2 && _status == OkStatus ? ImapAnswer.Ok : ImapAnswer.Failed;
                    _tag = null;
                    _drop = 0;
                    if (answer == ImapAnswer.Ok)
                    {
                        _line = LineState.Pass;
                        chunk[i..].CopyTo(chunk[kept..]);
                        return kept + chunk.Length - i;
                    }

                    _line = LineState.Pass;
                    break;
            }

            chunk[kept++] = b;
            if (b == (byte)'\n')
            {
                _line = LineState.Start;
                Greeted = true;
            }
        }

        return kept;
    }

    /// <summary>The first byte of a line that is not a dropped continuation request.</summary>
    private LineState Begin(byte b)
    {
        if (b is (byte)'*' or (byte)'+' or (byte)'\r' or (byte)'\n')
        {
            return LineState.Pass;
        }

        // A tagged line: the answer to a forwarded command, in order, then the one to the held login.
        if (Outstanding > 0)
        {
            Outstanding--;
            return LineState.Pass;
        }

        if (_tag is null)
        {
            return LineState.Pass;
        }

        _matched = 0;
        return TagByte(b);
    }

    private LineState TagByte(byte b)
    {
        if (_matched < _tag!.Length && b == _tag[_matched])
        {
            _matched++;
            return LineState.Tag;
        }

        if (_matched == _tag.Length && b == (byte)' ')
        {
            _status = 0;
            _statusLetters = 0;
            return LineState.Status;
        }

        return LineState.Pass;
    }
}
