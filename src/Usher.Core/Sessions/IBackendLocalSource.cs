using System.Net;

namespace Usher.Sessions;

/// <summary>Tells, when first asked, the gateway's own address on a session's backend connection: asking the kernel
/// costs a system call that most sessions (short ones, never listed) never need.</summary>
public interface IBackendLocalSource
{
    /// <summary>The address; <c>null</c> when it cannot be told (the session has ended).</summary>
    EndPoint? ReadBackendLocal();
}
