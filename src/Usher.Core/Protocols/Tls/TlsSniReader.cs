namespace Usher.Protocols.Tls;

/// <summary>Reads the server name (SNI) of a TLS ClientHello without terminating TLS: the identity is the
/// <c>host_name</c> of the <c>server_name</c> extension, lower-cased. A ClientHello without one is
/// <see cref="HandshakeStatus.Invalid"/> with the problem <see cref="NoSni"/>, so a listener can tell it from garbage.
/// A ClientHello split over several TLS records is put together (on the stack) and read as well.</summary>
public sealed class TlsSniReader : IHandshakeReader
{
    /// <summary>The problem of a well-formed ClientHello that names no server.</summary>
    public const string NoSni = "no SNI";

    internal const string NotTls = "not a TLS handshake";
    internal const string Malformed = "malformed ClientHello";

    private const int RecordHeader = 5;
    private const int HandshakeHeader = 4;
    private const int MaxRecordPayload = 16 * 1024;
    private const byte ContentHandshake = 22;
    private const byte ClientHello = 1;

    /// <summary>The reader (it has no options).</summary>
    public static TlsSniReader Instance { get; } = new();

    /// <inheritdoc />
    public HandshakeResult Read(ReadOnlySpan<byte> received)
    {
        var problem = CheckRecordHeader(received);
        if (problem is not null)
        {
            return HandshakeResult.Invalid(problem);
        }

        if (received.Length < RecordHeader + 1)
        {
            return HandshakeResult.NeedMore;
        }

        var recordLength = (received[3] << 8) | received[4];
        var payload = received.Slice(RecordHeader, Math.Min(recordLength, received.Length - RecordHeader));
        if (payload[0] != ClientHello)
        {
            return HandshakeResult.Invalid("not a ClientHello");
        }

        if (payload.Length >= HandshakeHeader)
        {
            var messageLength = (payload[1] << 16) | (payload[2] << 8) | payload[3];
            if (messageLength > HandshakeLimits.MaxHandshakeBytes)
            {
                return HandshakeLimits.TooLargeResult;
            }

            if (HandshakeHeader + messageLength <= recordLength)
            {
                // The common case: the whole ClientHello is in the first record.
                return payload.Length >= HandshakeHeader + messageLength
                    ? TlsClientHelloParser.ServerName(payload.Slice(HandshakeHeader, messageLength))
                    : HandshakeLimits.NeedMoreWithin(received.Length);
            }
        }

        return ReadFragmented(received);
    }

    /// <summary>The first record's header, as far as it has been received: a handshake record of TLS (major version
    /// 3) whose length is 1 to 16384.</summary>
    private static string? CheckRecordHeader(ReadOnlySpan<byte> received)
    {
        if (received.IsEmpty)
        {
            return null;
        }

        if (received[0] != ContentHandshake || (received.Length > 1 && received[1] != 3))
        {
            return NotTls;
        }

        if (received.Length >= RecordHeader)
        {
            var length = (received[3] << 8) | received[4];
            if (length is 0 or > MaxRecordPayload)
            {
                return "TLS record length out of range";
            }
        }

        return null;
    }

    /// <summary>A ClientHello spread over several handshake records: a first walk over the record headers finds
    /// the message's length and whether it is all there; then its fragments are copied, in order, to a stack buffer
    /// of that length. Rare (it takes a ClientHello over 16 KB or a sender that fragments on purpose), so the copy is
    /// only paid then.</summary>
    private static HandshakeResult ReadFragmented(ReadOnlySpan<byte> received)
    {
        Span<byte> head = stackalloc byte[HandshakeHeader];
        var headCount = 0;
        var needed = -1;
        var total = 0;
        var offset = 0;
        while (needed < 0 || total < needed)
        {
            if (received.Length - offset < RecordHeader)
            {
                return HandshakeLimits.NeedMoreWithin(received.Length);
            }

            var length = (received[offset + 3] << 8) | received[offset + 4];
            if (received[offset] != ContentHandshake || received[offset + 1] != 3 || length is 0 or > MaxRecordPayload)
            {
                return HandshakeResult.Invalid(Malformed);
            }

            var available = Math.Min(length, received.Length - offset - RecordHeader);
            for (var i = 0; headCount < HandshakeHeader && i < available; i++)
            {
                head[headCount++] = received[offset + RecordHeader + i];
            }

            if (needed < 0 && headCount == HandshakeHeader)
            {
                needed = HandshakeHeader + ((head[1] << 16) | (head[2] << 8) | head[3]);
                if (needed > HandshakeLimits.MaxHandshakeBytes)
                {
                    return HandshakeLimits.TooLargeResult;
                }
            }

            total += available;
            if (available < length && (needed < 0 || total < needed))
            {
                return HandshakeLimits.NeedMoreWithin(received.Length);
            }

            offset += RecordHeader + length;
        }

        Span<byte> message = stackalloc byte[needed];
        var copied = 0;
        for (offset = 0; copied < needed; offset += RecordHeader + ((received[offset + 3] << 8) | received[offset + 4]))
        {
            var length = (received[offset + 3] << 8) | received[offset + 4];
            var n = Math.Min(Math.Min(length, received.Length - offset - RecordHeader), needed - copied);
            received.Slice(offset + RecordHeader, n).CopyTo(message[copied..]);
            copied += n;
        }

        return TlsClientHelloParser.ServerName(message[HandshakeHeader..]);
    }
}
