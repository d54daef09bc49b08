using Usher.Identity;
using Usher.Ledger;

namespace Usher.Protocols.Http;

/// <summary>HTTP/1.x: a named header of the first request (or the Basic-auth user for Authorization); refused with
/// 429 Too Many Requests and Retry-After (ReclaimWait in whole seconds, at least 1); a request the identity cannot be
/// read from is answered 400, or 401 / 407 with a Basic challenge (realm: the listener's name) when the credentials
/// are missing or unusable. A HEAD gets the same heads without a body.</summary>
public sealed class HttpProtocol(string header, TimeSpan retryAfter, string realm) : IHandshakeProtocol
{
    private readonly HttpRequestReader _reader = new(header);
    private readonly byte[] _refusal = HttpRefusal.TooManyRequests(RetryAfterSeconds(retryAfter));
    private readonly byte[] _headRefusal = HttpRefusal.TooManyRequests(RetryAfterSeconds(retryAfter), head: true);

    public string KindName => nameof(IdentityKind.HttpHeader);

    /// <summary>The Retry-After of the refusal: ReclaimWait rounded up to whole seconds, at least 1.</summary>
    public static int RetryAfterSeconds(TimeSpan reclaimWait) => Math.Max(1, (int)Math.Ceiling(reclaimWait.TotalSeconds));

    public HandshakeResult Read(ReadOnlySpan<byte> received) => _reader.Read(received);

    public ReadOnlyMemory<byte> Refusal(ReadOnlySpan<byte> received, string identity, Admission refusal) =>
        received.StartsWith("HEAD "u8) ? _headRefusal : _refusal;

    public ReadOnlyMemory<byte> Rejection(ReadOnlySpan<byte> received, string problem)
    {
        var head = received.StartsWith("HEAD "u8);
        return _reader.ReadsBasicUser && _reader.IsCredentialProblem(received)
            ? HttpRefusal.BasicChallenge(realm, problem, proxy: _reader.IdentityHeader.StartsWith("Proxy-", StringComparison.OrdinalIgnoreCase), head)
            : HttpRefusal.BadRequest(problem, head);
    }
}
