using Usher.Gateway.Native;

namespace Usher.Gateway.Audit;

/// <summary>The kernel's socket diagnostics (NETLINK_SOCK_DIAG, SOCK_DIAG_BY_FAMILY with <c>inet_diag_req_v2</c>): every
/// TCP socket of this network namespace in the states asked for, IPv4 and IPv6, each with its <c>tcp_info</c>
/// (INET_DIAG_INFO). Needs no privilege: any user sees every socket and its <c>tcp_info</c>; only root (CAP_NET_ADMIN)
/// would also see marks and classes, which the audit does not read.</summary>
internal static unsafe class SockDiag
{
    /// <summary>ESTABLISHED only.</summary>
    public const uint Established = 1u << 1;

    private const int BufferSize = 64 * 1024;

    /// <summary>Dumps the TCP sockets in <paramref name="states"/>.</summary>
    /// <exception cref="SockDiagException">The kernel refused netlink or the request (errno inside).</exception>
    public static List<TcpSocketEntry> Dump(uint states)
    {
        var fd = Libc.Socket(Libc.AF_NETLINK, Libc.SOCK_DGRAM | Libc.SOCK_CLOEXEC, Libc.NETLINK_SOCK_DIAG);
        if (fd < 0)
        {
            throw new SockDiagException("socket(AF_NETLINK, NETLINK_SOCK_DIAG)", Libc.Errno);
        }

        try
        {
            var entries = new List<TcpSocketEntry>();
            var buffer = new byte[BufferSize];
            uint sequence = 1;
            foreach (var family in new[] { (byte)Libc.AF_INET, (byte)Libc.AF_INET6 })
            {
                Send(fd, SockDiagMessages.DumpRequest(family, states, sequence++));
                Receive(fd, buffer, entries, family);
            }

            return entries;
        }
        finally
        {
            Libc.Close(fd);
        }
    }

    private static void Send(int fd, byte[] request)
    {
        var address = stackalloc byte[12];
        new Span<byte>(address, 12).Clear();
        *(ushort*)address = Libc.AF_NETLINK;
        fixed (byte* r = request)
        {
            nint sent;
            do
            {
                sent = Libc.SendTo(fd, r, request.Length, 0, address, 12);
            }
            while (sent < 0 && Libc.Errno == Libc.EINTR);

            if (sent < 0)
            {
                throw new SockDiagException("sendto(sock_diag)", Libc.Errno);
            }
        }
    }

    private static void Receive(int fd, byte[] buffer, List<TcpSocketEntry> entries, byte family)
    {
        fixed (byte* b = buffer)
        {
            while (true)
            {
                var received = Libc.Recv(fd, b, buffer.Length, 0);
                if (received < 0)
                {
                    if (Libc.Errno == Libc.EINTR)
                    {
                        continue;
                    }

                    throw new SockDiagException("recv(sock_diag)", Libc.Errno);
                }

                if (received == 0)
                {
                    return;
                }

                switch (SockDiagMessages.Parse(buffer.AsSpan(0, (int)received), entries, out var errno))
                {
                    case SockDiagMessages.Outcome.Done:
                        return;
                    case SockDiagMessages.Outcome.Failed when family == Libc.AF_INET6 && errno is Libc.EAFNOSUPPORT or 2:
                        // A kernel without IPv6 (or without its diag module): there are no IPv6 sockets to list.
                        return;
                    case SockDiagMessages.Outcome.Failed:
                        throw new SockDiagException("SOCK_DIAG_BY_FAMILY", errno);
                }
            }
        }
    }
}
