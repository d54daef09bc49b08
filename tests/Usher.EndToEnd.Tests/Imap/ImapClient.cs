using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Usher.EndToEnd.Tests.Imap;

/// <summary>A raw IMAP client over a socket, for tests: it sends exactly the bytes it is given and reads line by
/// line, so a test sees every line the gateway lets through (and none it should have dropped).</summary>
public sealed class ImapClient : IAsyncDisposable
{
    private static readonly TimeSpan DefaultTimeout = EndToEnd.Soon;
    private readonly Socket _socket;
    private readonly byte[] _buffer = new byte[16 * 1024];
    private int _start;
    private int _end;

    private ImapClient(Socket socket) => _socket = socket;

    /// <summary>The server's greeting.</summary>
    public string Greeting { get; private set; } = string.Empty;

    /// <summary>Connects from <paramref name="from"/> (default 127.0.0.1), sends <paramref name="preamble"/> if any
    /// (a PROXY header), and reads the greeting.</summary>
    public static async Task<ImapClient> ConnectAsync(IPEndPoint to, string? from = null, string? preamble = null)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        if (from is not null)
        {
            socket.Bind(new IPEndPoint(IPAddress.Parse(from), 0));
        }

        await socket.ConnectAsync(to);
        var client = new ImapClient(socket);
        if (preamble is not null)
        {
            await client.SendAsync(preamble);
        }

        client.Greeting = await client.ReadLineAsync() ?? throw new InvalidOperationException("closed before the greeting");
        Assert.StartsWith("* OK", client.Greeting, StringComparison.Ordinal);
        return client;
    }

    /// <summary>Sends text as it is (CRLF included by the caller).</summary>
    public async Task SendAsync(string text) => await _socket.SendAsync(Encoding.UTF8.GetBytes(text));

    /// <summary>Sends <c>tag command</c> and reads up to the tagged answer; returns every line, the tagged one last.</summary>
    public async Task<IReadOnlyList<string>> CommandAsync(string tag, string command)
    {
        await SendAsync($"{tag} {command}\r\n");
        return await ReadTaggedAsync(tag);
    }

    /// <summary>Reads lines up to the one tagged <paramref name="tag"/>; fails when the connection closes first.</summary>
    public async Task<IReadOnlyList<string>> ReadTaggedAsync(string tag, TimeSpan? timeout = null)
    {
        var lines = new List<string>();
        while (true)
        {
            var line = await ReadLineAsync(timeout)
                ?? throw new InvalidOperationException($"closed before the answer to {tag}; read: {string.Join(" | ", lines)}");
            lines.Add(line);
            if (line.StartsWith(tag + " ", StringComparison.Ordinal))
            {
                return lines;
            }
        }
    }

    /// <summary>The next line without its line end, or <c>null</c> when the connection closed (or was reset).</summary>
    public async Task<string?> ReadLineAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? DefaultTimeout);
        while (true)
        {
            var lf = Array.IndexOf(_buffer, (byte)'\n', _start, _end - _start);
            if (lf >= 0)
            {
                var line = Encoding.UTF8.GetString(_buffer, _start, lf - _start).TrimEnd('\r');
                _start = lf + 1;
                return line;
            }

            if (_start > 0)
            {
                Array.Copy(_buffer, _start, _buffer, 0, _end - _start);
                _end -= _start;
                _start = 0;
            }

            int read;
            try
            {
                read = await _socket.ReceiveAsync(_buffer.AsMemory(_end), SocketFlags.None, cts.Token);
            }
            catch (SocketException)
            {
                return null;
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"no complete line within {timeout ?? DefaultTimeout}; have: {Encoding.UTF8.GetString(_buffer, _start, _end - _start)}");
            }

            if (read == 0)
            {
                return null;
            }

            _end += read;
        }
    }

    /// <summary>Reads what is left until the connection closes; fails when it stays open longer than
    /// <paramref name="timeout"/>.</summary>
    public async Task<IReadOnlyList<string>> ReadToCloseAsync(TimeSpan? timeout = null)
    {
        var lines = new List<string>();
        while (await ReadLineAsync(timeout) is { } line)
        {
            lines.Add(line);
        }

        return lines;
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        _socket.Dispose();
        return ValueTask.CompletedTask;
    }
}
