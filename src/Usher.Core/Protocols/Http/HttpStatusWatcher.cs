using Usher.Protocols.Confirmation;

namespace Usher.Protocols.Http;

/// <summary>Reads an HTTP/1.x server's answer to the first request, whose Basic credentials named the identity, for
/// its status: 401 Unauthorized or 407 Proxy Authentication Required rejects; any other final status confirms (the
/// server took the credentials, or did not ask for them). Interim responses (1xx but 101 Switching Protocols, which
/// is final here) pass to the client whole, head and all, and the next status line decides. A status line that is
/// not HTTP/1.x rejects.</summary>
public sealed class HttpStatusWatcher : IBackendWatcher
{
    // "HTTP/1.1 200": what decides, the rest of the line may follow in any piece.
    private const int StatusLine = 12;

    private int _interimHeadMatched = -1;

    /// <inheritdoc />
    public BackendWatch Watch(ReadOnlySpan<byte> unpassed)
    {
        var passed = 0;
        while (true)
        {
            if (_interimHeadMatched >= 0)
            {
                passed = SkipInterimHead(unpassed, passed);
                if (_interimHeadMatched >= 0)
                {
                    return BackendWatch.Pending(passed);
                }
            }

            var rest = unpassed[passed..];
            if (!"HTTP/1."u8.StartsWith(rest[..Math.Min(rest.Length, 7)]))
            {
                return BackendWatch.Rejected(unpassed.Length);
            }

            if (rest.Length < StatusLine)
            {
                return BackendWatch.Pending(passed);
            }

            var status = Status(rest);
            switch (status)
            {
                case < 0:
                    return BackendWatch.Rejected(unpassed.Length);
                case 401 or 407:
                    return BackendWatch.Rejected(unpassed.Length);
                case >= 100 and < 200 and not 101:
                    _interimHeadMatched = 0;
                    continue;
                default:
                    return BackendWatch.Confirmed(passed);
            }
        }
    }

    /// <summary>The status code of <c>HTTP/1.x SSS</c>, or -1.</summary>
    private static int Status(ReadOnlySpan<byte> line)
    {
        if (!char.IsAsciiDigit((char)line[7]) || line[8] != (byte)' ')
        {
            return -1;
        }

        var status = 0;
        for (var i = 9; i < StatusLine; i++)
        {
            if (!char.IsAsciiDigit((char)line[i]))
            {
                return -1;
            }

            status = (status * 10) + (line[i] - '0');
        }

        return status;
    }

    /// <summary>Passes the interim response's head up to and including its empty line (CR LF CR LF), across pieces.</summary>
    /// <returns>Where the bytes passed end.</returns>
    private int SkipInterimHead(ReadOnlySpan<byte> unpassed, int from)
    {
        ReadOnlySpan<byte> end = "\r\n\r\n"u8;
        for (var i = from; i < unpassed.Length; i++)
        {
            var b = unpassed[i];
            _interimHeadMatched = b == end[_interimHeadMatched] ? _interimHeadMatched + 1 : (b == end[0] ? 1 : 0);
            if (_interimHeadMatched == end.Length)
            {
                _interimHeadMatched = -1;
                return i + 1;
            }
        }

        return unpassed.Length;
    }
}
