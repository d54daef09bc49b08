using System.Buffers.Binary;
using Usher.Core.Tests.Protocols.Support;

namespace Usher.Core.Tests.Protocols.Postgres;

/// <summary>Frontend messages built from the PostgreSQL protocol's "Message Formats".</summary>
internal static class StartupMessages
{
    public static byte[] Startup(int protocol, params string[] pairs)
    {
        var body = Bytes.Concat(pairs.Select(p => Bytes.Concat(Bytes.Utf8(p), [0])).Append([0]).ToArray());
        return Message(protocol, body);
    }

    public static byte[] Message(int code, byte[] body)
    {
        var message = new byte[8 + body.Length];
        BinaryPrimitives.WriteInt32BigEndian(message, message.Length);
        BinaryPrimitives.WriteInt32BigEndian(message.AsSpan(4), code);
        body.CopyTo(message, 8);
        return message;
    }

    public static byte[] SslRequest => Message(80877103, []);

    public static byte[] GssEncRequest => Message(80877104, []);

    public static byte[] CancelRequest(int keyLength = 4) => Message(80877102, new byte[4 + keyLength]);
}
