using Usher.Sessions;

namespace Usher.Control;

/// <summary>The kernel's view (TCP_INFO) of a session's two connections, read at one moment on the session's
/// reactor.</summary>
/// <param name="ReadAt">When it was read.</param>
/// <param name="Client">The client connection; <c>null</c> when it could not be read.</param>
/// <param name="Backend">The backend connection; <c>null</c> when it could not be read (or not connected yet).</param>
public sealed record TcpReading(DateTimeOffset ReadAt, TcpSnapshot? Client, TcpSnapshot? Backend);
