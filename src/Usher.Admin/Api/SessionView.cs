using System.Text.Json.Serialization;
using Usher.Sessions;

namespace Usher.Admin.Api;

/// <summary>One open session in <c>GET /api/sessions</c> and <c>GET /api/sessions/{id}</c>.</summary>
/// <param name="Id">The session's id (for <c>DELETE /api/sessions/{id}</c>).</param>
/// <param name="Listener">The listener's name.</param>
/// <param name="Identity">Who the session is counted for.</param>
/// <param name="Client">The client's address (the original client's, when a trusted proxy told it).</param>
/// <param name="Proxy">The proxy's own address when a trusted proxy sent a PROXY header; <c>null</c> otherwise.</param>
/// <param name="Backend">The backend address the session is connected to; <c>null</c> while it connects.</param>
/// <param name="BackendLocal">Usher's own address on the backend connection (what the backend sees).</param>
/// <param name="StartedAt">When the session was accepted.</param>
/// <param name="LastActivity">When data last moved either way.</param>
/// <param name="IdleSeconds">Seconds since then.</param>
/// <param name="BytesFromClient">Bytes relayed from the client to the backend.</param>
/// <param name="BytesFromBackend">Bytes relayed from the backend to the client.</param>
/// <param name="State"><c>connecting</c>, <c>relaying</c>, <c>probing</c> (a reclaim probes its client) or
/// <c>closing</c>.</param>
/// <param name="Tcp">The latest TCP_INFO of both connections, when one was read; <c>null</c> otherwise.</param>
/// <param name="Liveness">Whether the client is still there, judged from the latest TCP_INFO of its connection;
/// <c>null</c> when none was read.</param>
/// <param name="Node">The node the session runs on, when the gateway is one node of a cluster (a Redis ledger);
/// absent otherwise. Its id is that node's: kill it with <c>DELETE /api/sessions/{id}?node={node}</c>.</param>
public sealed record SessionView(
    long Id,
    string Listener,
    IdentityView Identity,
    string Client,
    string? Proxy,
    string? Backend,
    string? BackendLocal,
    DateTimeOffset StartedAt,
    DateTimeOffset LastActivity,
    double IdleSeconds,
    long BytesFromClient,
    long BytesFromBackend,
    string State,
    TcpView? Tcp,
    LivenessView? Liveness,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Node = null);

/// <summary>A session's identity.</summary>
/// <param name="Kind">Where it came from, e.g. <c>SourceIp</c>, <c>PostgresUser</c>.</param>
/// <param name="Value">The identity as the listener shows it, e.g. <c>10.0.0.7</c> or <c>alice</c>, or
/// <c>hmac:5e2a9c01f3b7d844</c> / <c>sk_l…</c> where its <c>IdentityDisplay</c> hides identities.</param>
public sealed record IdentityView(string Kind, string Value);

/// <summary>The kernel's view of a session's two connections (TCP_INFO) at one moment.</summary>
/// <param name="ReadAt">When it was read.</param>
/// <param name="Client">The client connection; <c>null</c> when it could not be read.</param>
/// <param name="Backend">The backend connection; <c>null</c> when it could not be read.</param>
public sealed record TcpView(DateTimeOffset ReadAt, TcpSnapshot? Client, TcpSnapshot? Backend);
