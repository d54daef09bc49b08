using Usher.Gateway.Sockets;

namespace Usher.Gateway.Proxy;

/// <summary>Liveness from the kernel, on demand: TCP_INFO of both connections, read on the session's reactor (the only
/// thread that may touch its descriptors) and kept on the record. One getsockopt per side, no allocation but the
/// state's name.</summary>
internal sealed partial class ProxySession
{
    /// <summary>Reads TCP_INFO of the client and backend connections now and stores it on <see cref="Record"/>.</summary>
    public Task<(TcpInfo? Client, TcpInfo? Backend)> ReadTcpInfoAsync()
    {
        if (_reactor.OnThread)
        {
            return Task.FromResult(ReadTcpInfo());
        }

        var done = new TaskCompletionSource<(TcpInfo?, TcpInfo?)>(TaskCreationOptions.RunContinuationsAsynchronously);
        _reactor.Post(this, () =>
        {
            try
            {
                done.TrySetResult(ReadTcpInfo());
            }
            catch (Exception e)
            {
                // The session ends as Error (its OnFault); the caller hears of it rather than waiting.
                done.TrySetException(e);
                throw;
            }
        });
        return done.Task;
    }

    private (TcpInfo? Client, TcpInfo? Backend) ReadTcpInfo()
    {
        if (_state == State.Closed)
        {
            return (null, null);
        }

        var client = TcpInfo.TryRead(_clientTcpFd);
        var backend = _backendFd >= 0 ? TcpInfo.TryRead(BackendTcpFd) : null;
        Record.SetTcp(client?.ToSnapshot(), backend?.ToSnapshot(), _context.Time.GetUtcNow());
        return (client, backend);
    }
}
