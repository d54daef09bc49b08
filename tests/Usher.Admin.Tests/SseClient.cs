using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;

namespace Usher.Admin.Tests;

/// <summary>One server-sent event: its name and its data, parsed as JSON.</summary>
internal sealed record SseMessage(string Event, JsonElement Data, long ReceivedAt);

/// <summary>A client of <c>GET /api/events</c> that reads the stream as a browser's EventSource does (fields
/// <c>event:</c> and <c>data:</c>, a blank line ends a message, comment lines are skipped) and queues the messages.</summary>
internal sealed class SseClient : IAsyncDisposable
{
    private readonly HttpClient _http;
    private readonly HttpResponseMessage _response;
    private readonly Channel<SseMessage> _messages = Channel.CreateUnbounded<SseMessage>();
    private readonly CancellationTokenSource _stop = new();
    private readonly List<string> _seen = [];
    private readonly Task _reading;

    private SseClient(HttpClient http, HttpResponseMessage response, Stream body)
    {
        _http = http;
        _response = response;
        _reading = ReadAsync(body);
    }

    public HttpResponseMessage Response => _response;

    /// <summary>The data of every message received so far, as sent.</summary>
    public IReadOnlyList<string> Seen
    {
        get
        {
            lock (_seen)
            {
                return [.. _seen];
            }
        }
    }

    /// <summary>Comment lines seen (heartbeats).</summary>
    public int Comments { get; private set; }

    /// <summary>Opens the stream; the answer must be 200 with <c>text/event-stream</c>.</summary>
    public static async Task<SseClient> OpenAsync(Uri baseAddress, string? token = null, string? cookie = null)
    {
        var http = new HttpClient(new HttpClientHandler { UseCookies = false }) { BaseAddress = baseAddress, Timeout = Timeout.InfiniteTimeSpan };
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/events");
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        if (cookie is not null)
        {
            request.Headers.Add("Cookie", cookie);
        }

        var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            Assert.Fail($"GET /api/events: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }

        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        return new SseClient(http, response, await response.Content.ReadAsStreamAsync());
    }

    /// <summary>The next message that matches, skipping others; fails after <paramref name="timeout"/>.</summary>
    public async Task<SseMessage> NextAsync(TimeSpan timeout, Func<SseMessage, bool>? match = null)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            while (true)
            {
                var message = await _messages.Reader.ReadAsync(cts.Token);
                if (match is null || match(message))
                {
                    return message;
                }
            }
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"no matching server-sent event within {timeout}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_stop.IsCancellationRequested)
        {
            return;
        }

        await _stop.CancelAsync();
        try
        {
            await _reading;
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException or HttpRequestException)
        {
        }

        _response.Dispose();
        _http.Dispose();
    }

    private async Task ReadAsync(Stream body)
    {
        using var reader = new StreamReader(body, Encoding.UTF8);
        string name = "message";
        var data = new StringBuilder();
        while (await reader.ReadLineAsync(_stop.Token) is { } line)
        {
            if (line.Length == 0)
            {
                if (data.Length > 0)
                {
                    lock (_seen)
                    {
                        _seen.Add(data.ToString());
                    }

                    using var json = JsonDocument.Parse(data.ToString());
                    _messages.Writer.TryWrite(new SseMessage(name, json.RootElement.Clone(), Environment.TickCount64));
                }

                name = "message";
                data.Clear();
            }
            else if (line.StartsWith(':'))
            {
                Comments++;
            }
            else if (line.StartsWith("event: ", StringComparison.Ordinal))
            {
                name = line["event: ".Length..];
            }
            else if (line.StartsWith("data: ", StringComparison.Ordinal))
            {
                data.Append(line["data: ".Length..]);
            }
        }

        _messages.Writer.TryComplete();
    }
}
