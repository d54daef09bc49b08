using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Usher.Admin.Api;

namespace Usher.Cli.Commands;

/// <summary>The admin API over HTTP, for the CLI: every failure (unreachable, refused token, an error answer) becomes
/// an <see cref="AdminCommandException"/> that says what happened and what to do.</summary>
internal sealed class AdminClient : IDisposable
{
    /// <summary>How long the CLI waits for an answer (a kill waits up to 5 s for its sessions to close).</summary>
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);

    private readonly HttpClient _http;
    private readonly AdminTarget _target;
    private readonly string _where;

    public AdminClient(AdminTarget target)
    {
        _target = target;
        _where = target.Url.ToString().TrimEnd('/');
        _http = new HttpClient { BaseAddress = target.Url, Timeout = Timeout };
        if (target.Token is { } token)
        {
            _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
    }

    /// <summary>The nodes of a cluster that did not answer the last request in time (its
    /// <c>Usher-Nodes-Not-Answering</c> header); <c>null</c> when all did, or the gateway is no cluster.</summary>
    public string? NotAnswering { get; private set; }

    /// <summary>Sends a request and returns the answer's JSON text and its value.</summary>
    public async Task<(string Text, T Value)> SendAsync<T>(HttpMethod method, string path, JsonTypeInfo<T> type, CancellationToken cancellationToken)
    {
        var url = new Uri(_target.Url, path);
        HttpResponseMessage response;
        try
        {
            using var request = new HttpRequestMessage(method, url);
            response = await _http.SendAsync(request, cancellationToken);
        }
        catch (HttpRequestException e)
        {
            var why = e.InnerException is SocketException s ? s.Message : (e.InnerException ?? e).Message;
            throw new AdminCommandException($"cannot reach the admin API at {_where}: {why.TrimEnd('.')}. " +
                "Fix: check that `usher run` runs with an Admin section listening there; pass --admin URL or --config FILE");
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new AdminCommandException($"the admin API at {_where} did not answer within {Timeout.TotalSeconds:0} s. " +
                "Fix: check that the address is Usher's admin endpoint (Admin:Listen)");
        }

        using (response)
        {
            NotAnswering = response.Headers.TryGetValues("Usher-Nodes-Not-Answering", out var silent) ? string.Join(", ", silent) : null;
            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            if (response.StatusCode == HttpStatusCode.Unauthorized)
            {
                throw new AdminCommandException(_target.Token is null
                    ? $"the admin API at {_where} wants a token (401). Fix: pass --token-file with the file Admin:TokenFile names, or --config FILE"
                    : $"the admin API at {_where} refused the token (401). Fix: pass the file Admin:TokenFile names with --token-file, or --config FILE");
            }

            if (!response.IsSuccessStatusCode)
            {
                throw new AdminCommandException(ProblemOf(text) ?? $"the admin API at {_where} answered {(int)response.StatusCode} {response.ReasonPhrase}");
            }

            try
            {
                return (text, JsonSerializer.Deserialize(text, type)!);
            }
            catch (JsonException)
            {
                throw new AdminCommandException($"{url} answered something that is not Usher's admin API. " +
                    "Fix: check that the address is Usher's admin endpoint (Admin:Listen)");
            }
        }
    }

    public void Dispose() => _http.Dispose();

    private static string? ProblemOf(string text)
    {
        try
        {
            return JsonSerializer.Deserialize(text, AdminJson.Default.Problem)?.Detail;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
