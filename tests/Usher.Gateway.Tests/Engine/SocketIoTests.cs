using System.Net;
using System.Net.Sockets;
using Usher.Gateway.Engine;
using Usher.Gateway.Sockets;

namespace Usher.Gateway.Tests.Engine;

/// <summary>The typed I/O results sessions see, on a real loopback connection: bytes moved, would block, the end of the
/// stream, and a reset classified as the peer's end.</summary>
public sealed class SocketIoTests : IDisposable
{
    private const int PollMicroseconds = 10_000_000;
    private readonly Socket _a;
    private readonly Socket _b;

    public SocketIoTests()
    {
        using var listener = new Socket(SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen();
        _a = new Socket(SocketType.Stream, ProtocolType.Tcp);
        _a.Connect(listener.LocalEndPoint!);
        _b = listener.Accept();
        _a.Blocking = false;
        _b.Blocking = false;
    }

    private int A => (int)_a.Handle;

    private int B => (int)_b.Handle;

    [Fact]
    public void BytesSentArriveAsMovedWithTheirCount()
    {
        var sent = SocketIo.Send(A, "hello"u8);
        Assert.True(sent.Moved);
        Assert.Equal(5, sent.Count);

        Assert.True(_b.Poll(PollMicroseconds, SelectMode.SelectRead));
        Span<byte> buffer = stackalloc byte[16];
        var read = SocketIo.Recv(B, buffer);
        Assert.Equal(IoStatus.Moved, read.Status);
        Assert.Equal("hello"u8.ToArray(), buffer[..read.Count].ToArray());
    }

    [Fact]
    public void AnEmptySocketWouldBlockAndAPeekConsumesNothing()
    {
        Span<byte> buffer = stackalloc byte[16];
        Assert.True(SocketIo.Recv(B, buffer).WouldBlock);
        Assert.False(SocketIo.HasUnread(B));

        SocketIo.Send(A, "x"u8);
        Assert.True(_b.Poll(PollMicroseconds, SelectMode.SelectRead));
        Assert.True(SocketIo.HasUnread(B));
        Assert.True(SocketIo.HasUnread(B));
        Assert.Equal(1, SocketIo.Recv(B, buffer).Count);
        Assert.True(SocketIo.Recv(B, buffer).WouldBlock);
    }

    [Fact]
    public void APeersFinIsTheEndOfTheStream()
    {
        Assert.True(SocketIo.ShutdownWrite(A));

        Assert.True(_b.Poll(PollMicroseconds, SelectMode.SelectRead));
        Span<byte> buffer = stackalloc byte[16];
        Assert.Equal(IoStatus.EndOfStream, SocketIo.Recv(B, buffer).Status);
    }

    [Fact]
    public void APeersResetFailsTheReadWithPeerEndReset()
    {
        _a.LingerState = new LingerOption(true, 0);
        _a.Close();

        Assert.True(_b.Poll(PollMicroseconds, SelectMode.SelectRead));
        Span<byte> buffer = stackalloc byte[16];
        var read = SocketIo.Recv(B, buffer);
        Assert.Equal(IoStatus.Failed, read.Status);
        Assert.Equal(PeerEnd.Reset, read.End);
        Assert.Equal(104, read.Errno);
    }

    [Fact]
    public void SendingToAResetPeerFailsWithPeerEndResetAndNoSignal()
    {
        _a.LingerState = new LingerOption(true, 0);
        _a.Close();
        Assert.True(_b.Poll(PollMicroseconds, SelectMode.SelectRead));

        var sent = SocketIo.Send(B, "late"u8);
        if (sent.Moved)
        {
            // The first send after a reset may still be taken by the kernel; the next one fails.
            sent = SocketIo.Send(B, "late"u8);
        }

        Assert.True(sent.Failed);
        Assert.Equal(PeerEnd.Reset, sent.End);
    }

    [Fact]
    public void AFullSocketWouldBlockOnSend()
    {
        var chunk = new byte[64 * 1024];
        var result = IoResult.Of(0);
        for (var i = 0; i < 10_000 && !result.WouldBlock; i++)
        {
            result = SocketIo.Send(A, chunk);
            Assert.False(result.Failed);
        }

        Assert.True(result.WouldBlock);
    }

    [Fact]
    public void SplicingThroughAPipeMovesTheBytesAndAnEmptySourceWouldBlock()
    {
        using var pipes = new PipePool(keep: 1, limit: 4);
        var (pipeRead, pipeWrite) = pipes.Rent();
        try
        {
            SocketIo.Send(A, "spliced"u8);
            Assert.True(_b.Poll(PollMicroseconds, SelectMode.SelectRead));
            var into = SocketIo.SpliceIn(B, pipeWrite, 1024);
            Assert.Equal(7, into.Count);
            Assert.True(SocketIo.SpliceIn(B, pipeWrite, 1024).WouldBlock);

            var out_ = SocketIo.SpliceOut(pipeRead, B, into.Count);
            Assert.Equal(7, out_.Count);
            Assert.True(_a.Poll(PollMicroseconds, SelectMode.SelectRead));
            var buffer = new byte[16];
            Assert.Equal(7, _a.Receive(buffer));
            Assert.Equal("spliced"u8.ToArray(), buffer[..7]);
        }
        finally
        {
            pipes.Return(pipeRead, pipeWrite);
        }
    }

    public void Dispose()
    {
        _a.Dispose();
        _b.Dispose();
    }
}
