using System.Net;
using System.Net.Sockets;
using Usher.Diagnostics;
using Usher.Gateway.Native;
using Usher.Gateway.Proxy;
using Usher.Gateway.Sockets;

namespace Usher.Gateway.Engine;

/// <summary>One listening socket of one reactor. Each reactor has its own socket on the listener's address
/// (SO_REUSEPORT), so the kernel spreads connections over the reactors and no connection changes threads.
/// Liveness options set here are inherited by every accepted socket.</summary>
internal sealed unsafe class ListenSocket : IReactorHandler
{
    private const int AcceptBatch = 64;
    private readonly Reactor _reactor;
    private readonly int _fd;
    private ListenerContext _context;
    private ulong _token;
    private bool _closed;

    private ListenSocket(ListenerContext context, Reactor reactor, int fd)
    {
        _context = context;
        _reactor = reactor;
        _fd = fd;
    }

    /// <summary>Binds a listening socket; throws <see cref="SocketException"/> naming the address on failure.</summary>
    public static ListenSocket Bind(ListenerContext context, Reactor reactor, IPEndPoint endpoint)
    {
        var settings = context.Settings;
        var fd = Libc.Socket(endpoint.AddressFamily == AddressFamily.InterNetworkV6 ? Libc.AF_INET6 : Libc.AF_INET,
            Libc.SOCK_STREAM | Libc.SOCK_NONBLOCK | Libc.SOCK_CLOEXEC, 0);
        if (fd < 0)
        {
            throw Errors.Exception(Libc.Errno);
        }

        try
        {
            Libc.SetInt(fd, Libc.SOL_SOCKET, Libc.SO_REUSEADDR, 1);
            Libc.SetInt(fd, Libc.SOL_SOCKET, Libc.SO_REUSEPORT, 1);
            if (endpoint.AddressFamily == AddressFamily.InterNetworkV6)
            {
                Libc.SetInt(fd, Libc.IPPROTO_IPV6, Libc.IPV6_V6ONLY, endpoint.Address.Equals(IPAddress.IPv6Any) ? 0 : 1);
            }

            if (SocketTuning.Apply(fd, settings.Keepalive, settings.UserTimeout) is var error and not 0)
            {
                throw Errors.Exception(error);
            }

            var addr = stackalloc byte[SockAddr.MaxSize];
            var length = SockAddr.Write(endpoint, new Span<byte>(addr, SockAddr.MaxSize));
            if (Libc.Bind(fd, addr, length) != 0 || Libc.Listen(fd, 4096) != 0)
            {
                throw Errors.Exception(Libc.Errno);
            }

            return new ListenSocket(context, reactor, fd);
        }
        catch
        {
            Libc.Close(fd);
            throw;
        }
    }

    /// <summary>Adopts a listening socket taken over from a running Usher (graceful restart); the listener's
    /// liveness options are applied again, so a new configuration's keepalive holds for new connections.</summary>
    public static ListenSocket Adopt(ListenerContext context, Reactor reactor, int fd)
    {
        var flags = Libc.Fcntl(fd, 3 /* F_GETFL */, 0);
        Libc.Fcntl(fd, 4 /* F_SETFL */, flags | Libc.O_NONBLOCK);
        SocketTuning.Apply(fd, context.Settings.Keepalive, context.Settings.UserTimeout);
        return new ListenSocket(context, reactor, fd);
    }

    /// <summary>The bound address (with the kernel's port when bound to port 0).</summary>
    public IPEndPoint LocalEndPoint
    {
        get
        {
            var addr = stackalloc byte[SockAddr.MaxSize];
            var length = SockAddr.MaxSize;
            Libc.GetSockName(_fd, addr, &length);
            return SockAddr.Read(new ReadOnlySpan<byte>(addr, length))!;
        }
    }

    /// <summary>Takes a reloaded listener's context for the connections accepted from now on, and its liveness
    /// options, which those connections inherit; runs on the reactor thread, so no accept sees half of it.</summary>
    public void Use(ListenerContext context)
    {
        if (!_closed && SocketTuning.Reapply(_fd, context.Settings.Keepalive, context.Settings.UserTimeout) is var error and not 0)
        {
            var problem = $"cannot apply the reloaded keepalive to the listening socket ({Errors.Describe(error)}); new connections keep the previous one";
            context.Logger.AcceptFailed(context.Settings.Name, problem);
        }

        _context = context;
    }

    /// <summary>Starts accepting; runs on the reactor thread.</summary>
    public void Start()
    {
        _token = _reactor.Register(this);
        _reactor.Add(_fd, Libc.EPOLLIN, _token, 0);
    }

    /// <summary>Stops accepting and closes the socket; runs on the reactor thread (or on any thread before
    /// <see cref="Start"/>: a socket bound for a listener that never started is only closed).</summary>
    public void Close()
    {
        if (_closed)
        {
            return;
        }

        _closed = true;
        if (_token != 0)
        {
            _reactor.RemoveDeadline(this);
            _reactor.Remove(_fd);
            _reactor.Unregister(_token);
        }

        Libc.Close(_fd);
    }

    public void OnEvent(Readiness events, int side)
    {
        var addr = stackalloc byte[SockAddr.MaxSize];
        for (var i = 0; i < AcceptBatch && !_closed; i++)
        {
            var length = SockAddr.MaxSize;
            var fd = Libc.Accept4(_fd, addr, &length, Libc.SOCK_NONBLOCK | Libc.SOCK_CLOEXEC);
            if (fd < 0)
            {
                var errno = Libc.Errno;
                switch (errno)
                {
                    case Libc.EAGAIN:
                        return;
                    case Libc.EINTR or Libc.ECONNABORTED:
                        continue;
                    case Libc.EMFILE or Libc.ENFILE or Libc.ENOBUFS or Libc.ENOMEM:
                        // Out of descriptors: pause this socket briefly instead of spinning; accept resumes when
                        // sessions end and free theirs.
                        _context.Logger.AcceptFailed(_context.Settings.Name, $"out of descriptors or memory (errno {errno}); pausing accept for 100 ms");
                        _reactor.Remove(_fd);
                        _reactor.AddDeadline(this, Environment.TickCount64 + 100);
                        return;
                    default:
                        _context.Logger.AcceptFailed(_context.Settings.Name, $"errno {errno}");
                        return;
                }
            }

            var peer = SockAddr.Read(new ReadOnlySpan<byte>(addr, length));
            if (peer is null)
            {
                Libc.Close(fd);
                continue;
            }

            ProxySession.Start(_context, _reactor, fd, peer);
        }
    }

    public void OnDeadline(long now)
    {
        if (!_closed)
        {
            _reactor.Add(_fd, Libc.EPOLLIN, _token, 0);
        }
    }

    public void OnPosted()
    {
    }

    public void OnFault(Exception exception) =>
        _context.Logger.AcceptFailed(_context.Settings.Name, exception.ToString());
}
