namespace Usher.Gateway.Tls;

/// <summary>A stream that first gives back bytes already read from the connection (the start of a ClientHello that
/// came before the TLS bridge took the socket over: PostgreSQL's direct TLS, or a client that did not wait for the
/// answer to its SSLRequest), then reads the connection itself. Writes go to the connection.</summary>
internal sealed class ReplayStream(ReadOnlyMemory<byte> replay, Stream inner) : Stream
{
    private ReadOnlyMemory<byte> _replay = replay;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (_replay.IsEmpty)
        {
            return inner.Read(buffer);
        }

        return Replayed(buffer);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        _replay.IsEmpty ? inner.ReadAsync(buffer, cancellationToken) : ValueTask.FromResult(Replayed(buffer.Span));

    public override void Write(byte[] buffer, int offset, int count) => inner.Write(buffer, offset, count);

    public override void Write(ReadOnlySpan<byte> buffer) => inner.Write(buffer);

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        inner.WriteAsync(buffer, offset, count, cancellationToken);

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
        inner.WriteAsync(buffer, cancellationToken);

    public override void Flush() => inner.Flush();

    public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }

    /// <summary>Copies from the replayed bytes; a zero-byte read says data is there.</summary>
    private int Replayed(Span<byte> buffer)
    {
        var count = Math.Min(buffer.Length, _replay.Length);
        _replay.Span[..count].CopyTo(buffer);
        _replay = _replay[count..];
        return count;
    }
}
