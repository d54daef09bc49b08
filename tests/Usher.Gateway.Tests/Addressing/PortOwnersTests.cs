using System.Net;
using System.Net.Sockets;
using Usher.Gateway.Sockets;
using Usher.Testing;

namespace Usher.Gateway.Tests.Addressing;

/// <summary>A listener refuses to start where another socket already listens, even one that set SO_REUSEPORT (with
/// which the bind itself would succeed and the two would share connections), and names the process holding it.</summary>
public sealed class PortOwnersTests
{
    [Fact]
    public async Task A_listener_on_an_address_another_socket_listens_on_with_SO_REUSEPORT_refuses_to_start_and_names_the_holder()
    {
        using var squatter = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        squatter.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        squatter.SetRawSocketOption(1 /* SOL_SOCKET */, 15 /* SO_REUSEPORT */, BitConverter.GetBytes(1));
        squatter.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        squatter.Listen();
        var taken = (IPEndPoint)squatter.LocalEndPoint!;
        await using var backend = new SessionServer();

        var e = Assert.Throws<SocketException>(() => TestGateway.Start(TestGateway.Listener(backend.EndPoint).With(listen: taken)));

        Assert.Equal(SocketError.AddressAlreadyInUse, e.SocketErrorCode);
        Assert.Contains($"Address already in use: listened on by 127.0.0.1:{taken.Port} (process {Environment.ProcessId} ", e.Message, StringComparison.Ordinal);
        Assert.Contains("--take-over", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_wildcard_listener_on_the_same_port_counts_as_taken_a_different_address_does_not()
    {
        using var squatter = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        squatter.Bind(new IPEndPoint(IPAddress.Parse("127.0.0.7"), 0));
        squatter.Listen();
        var port = ((IPEndPoint)squatter.LocalEndPoint!).Port;
        await using var backend = new SessionServer();

        await using var beside = TestGateway.Start(TestGateway.Listener(backend.EndPoint, listen: "127.0.0.8").With(
            listen: new IPEndPoint(IPAddress.Parse("127.0.0.8"), port)));
        Assert.Equal(port, beside.EndPoint.Port);
        Assert.NotNull(PortOwners.Describe(new IPEndPoint(IPAddress.Any, port)));
        Assert.NotNull(PortOwners.Describe(new IPEndPoint(IPAddress.IPv6Any, port)));
        Assert.Null(PortOwners.Describe(new IPEndPoint(IPAddress.Parse("127.0.0.9"), port)));
    }

    [Theory]
    [InlineData("0100007F", "127.0.0.1")]
    [InlineData("00000000", "0.0.0.0")]
    [InlineData("00000000000000000000000001000000", "::1")]
    [InlineData("0000000000000000FFFF00000100007F", "::ffff:127.0.0.1")]
    public void Kernel_addresses_read_back_as_written(string hex, string address) =>
        Assert.Equal(IPAddress.Parse(address), PortOwners.Address(hex));
}
