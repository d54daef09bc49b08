using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;
using Usher.Control;

namespace Usher.Redis.Cluster;

/// <summary>The nodes sharing one Redis ledger, driven over Redis pub/sub: each node subscribes to its own request
/// channel (<c>{prefix}:bus:{node}</c>) and answers on the asking process's reply channel
/// (<c>{prefix}:bus:reply:{node}:{instance}</c>), matched by the request's id; the nodes alive come from the
/// <see cref="NodeRegistry"/>. No call waits on another node longer than <see cref="Wait"/>; this node answers its own
/// requests without the bus. The messages are JSON (<see cref="BusJson"/>); docs/ledger.md#the-cluster-bus has them.</summary>
internal sealed partial class ClusterBus : IClusterControl, IClusterReclaim, IAsyncDisposable
{
    /// <summary>The default <see cref="Wait"/>.</summary>
    public static readonly TimeSpan DefaultWait = TimeSpan.FromSeconds(2);

    private readonly RedisConnection _connection;
    private readonly ILogger _logger;
    private readonly NodeRegistry _registry;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<string, TaskCompletionSource<BusReply>> _pending = new(StringComparer.Ordinal);
    private readonly RedisChannel _requests;
    private readonly RedisChannel _replies;
    private readonly CancellationTokenSource _stopping = new();
    private BusAnswerer? _answerer;
    private ITimer? _renew;
    private int _subscribed;
    private int _name = NameUnknown;
    private int _stopped;
    private int _disposed;

    public ClusterBus(RedisConnection connection, TimeProvider time, ILogger? logger = null)
    {
        _connection = connection;
        _time = time;
        _logger = logger ?? NullLogger.Instance;
        _registry = new NodeRegistry(connection, time);
        _requests = Channel(connection.Node);
        _replies = RedisChannel.Literal($"{connection.KeyPrefix}:bus:reply:{connection.Node}:{connection.Instance}");
    }

    /// <inheritdoc />
    public string Node => _connection.Node;

    /// <inheritdoc />
    public TimeSpan Wait { get; init; } = DefaultWait;

    /// <summary>Starts answering for <paramref name="gateway"/>: subscribes, announces the node, and renews the
    /// announcement (and retries the subscription while Redis is away) every third of LeaseTtl.</summary>
    public async Task StartAsync(IGatewayControl gateway)
    {
        _answerer = new BusAnswerer(Node, gateway);
        await JoinAsync().ConfigureAwait(false);
        var every = _registry.RenewEvery;
        _renew = _time.CreateTimer(_ => _ = JoinAsync(), null, every, every);
    }

    /// <summary>Stops answering and takes the node's announcement back.</summary>
    public async Task StopAsync()
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0)
        {
            return;
        }

        _renew?.Dispose();
        await _stopping.CancelAsync().ConfigureAwait(false);
        if (Interlocked.Exchange(ref _subscribed, 0) == 1)
        {
            await UnsubscribeAsync().ConfigureAwait(false);
        }

        await _registry.LeaveAsync().ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            await StopAsync().ConfigureAwait(false);
            _stopping.Dispose();
        }
    }

    private async Task JoinAsync()
    {
        if (_stopping.IsCancellationRequested)
        {
            return;
        }

        if (Volatile.Read(ref _subscribed) == 0)
        {
            try
            {
                var subscriber = _connection.Multiplexer.GetSubscriber();
                await subscriber.SubscribeAsync(_requests, (_, message) => OnRequest(message)).WaitAsync(Wait).ConfigureAwait(false);
                await subscriber.SubscribeAsync(_replies, (_, message) => OnReply(message)).WaitAsync(Wait).ConfigureAwait(false);
                Volatile.Write(ref _subscribed, 1);
            }
            catch (Exception e) when (e is RedisException or TimeoutException)
            {
                // Redis is away: the next renewal tries again (without a handler left twice).
                await UnsubscribeAsync().ConfigureAwait(false);
            }
        }

        Hold(await _registry.AnnounceAsync().ConfigureAwait(false));
    }

    /// <summary>Whether this process answers the bus for its node's name: not while another live process announces the
    /// same name (requests on the name's channel reach both, and a kill of <c>node:17</c> would end a session 17 in
    /// each), nor before its first announcement.</summary>
    internal bool HoldsName => Volatile.Read(ref _name) == NameHeld;

    /// <summary>States of <see cref="_name"/>: before the first announcement Redis answered, this process's, another
    /// live process's.</summary>
    private const int NameUnknown = 0, NameHeld = 1, NameTaken = 2;

    private void Hold(Announcement announcement)
    {
        if (!announcement.Reached)
        {
            return;
        }

        if (announcement.Taken)
        {
            if (Interlocked.Exchange(ref _name, NameTaken) != NameTaken)
            {
                ClusterLog.NodeNameTaken(_logger, Node, announcement.Holder, announcement.Lapses, _connection.Instance);
            }
        }
        else if (Interlocked.Exchange(ref _name, NameHeld) == NameTaken)
        {
            ClusterLog.NodeNameHeld(_logger, Node, _connection.Instance);
        }
    }

    private async Task UnsubscribeAsync()
    {
        try
        {
            var subscriber = _connection.Multiplexer.GetSubscriber();
            await subscriber.UnsubscribeAsync(_requests).WaitAsync(Wait).ConfigureAwait(false);
            await subscriber.UnsubscribeAsync(_replies).WaitAsync(Wait).ConfigureAwait(false);
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            // Gone with the connection anyway.
        }
    }

    /// <summary>A request for this node: answered in the background, the reply published to the asker.</summary>
    private void OnRequest(RedisValue message)
    {
        if (_answerer is not { } answerer || !HoldsName || Parse(message, BusJson.Default.BusRequest) is not { } request)
        {
            return;
        }

        _ = Task.Run(async () =>
        {
            try
            {
                var reply = await answerer.AnswerAsync(request, _stopping.Token).ConfigureAwait(false);
                if (request.ReplyTo.Length > 0)
                {
                    await PublishAsync(RedisChannel.Literal(request.ReplyTo), JsonSerializer.Serialize(reply, BusJson.Default.BusReply)).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException)
            {
                // This node stops: the asker hears nothing and reports it as not answering.
            }
        });
    }

    private void OnReply(RedisValue message)
    {
        if (Parse(message, BusJson.Default.BusReply) is { } reply && _pending.TryRemove(reply.Id, out var waiting))
        {
            waiting.TrySetResult(reply);
        }
    }

    /// <summary>A message of the bus; <c>null</c> for one that is not (another program on the channel, a newer
    /// version's message this one cannot read): ignored.</summary>
    private static T? Parse<T>(RedisValue message, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type)
        where T : class
    {
        try
        {
            return message.IsNullOrEmpty ? null : JsonSerializer.Deserialize((string)message!, type);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private async Task<long> PublishAsync(RedisChannel channel, string json)
    {
        try
        {
            return await _connection.Multiplexer.GetSubscriber().PublishAsync(channel, json).WaitAsync(Wait).ConfigureAwait(false);
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            return -1;
        }
    }

    private RedisChannel Channel(string node) => RedisChannel.Literal($"{_connection.KeyPrefix}:bus:{node}");
}
