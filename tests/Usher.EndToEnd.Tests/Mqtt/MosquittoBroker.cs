using System.Net;
using Usher.Testing;

namespace Usher.EndToEnd.Tests.Mqtt;

/// <summary>A mosquitto broker of the tests' own: <c>mosquitto -c CONF</c> with a configuration written in a scratch
/// folder (one listener on 127.0.0.1 on a free port, anonymous clients allowed, no persistence, every log type to a
/// file there), stopped and deleted when the tests are done. Needs the Debian <c>mosquitto</c> package (and
/// <c>mosquitto-clients</c> for mosquitto_sub and mosquitto_pub).</summary>
public class MosquittoBroker : IAsyncLifetime
{
    private ScratchDirectory? _scratch;
    private RunningProcess? _broker;

    /// <summary>Where the broker listens.</summary>
    public IPEndPoint EndPoint { get; private set; } = new(IPAddress.Loopback, 0);

    /// <summary>The broker's log, for failure messages.</summary>
    public string Log() => _scratch?.Read("mosquitto.log") ?? "(no broker)";

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        _scratch = ScratchDirectory.Create("mqtt");
        var mosquitto = Tools.Find("mosquitto");
        var access = await AccessAsync(_scratch);

        // The port is free when picked; should another process take it before the broker binds, try another.
        for (var attempt = 1; ; attempt++)
        {
            var endPoint = new IPEndPoint(IPAddress.Loopback, LocalPorts.Free(IPAddress.Loopback));
            var configuration = _scratch.File("mosquitto.conf");
            await File.WriteAllTextAsync(configuration, string.Join('\n', (string[])[
                // Run as root, mosquitto would switch to its own user, which cannot write the log in this folder.
                "user root",
                $"listener {endPoint.Port} {endPoint.Address}",
                .. access,
                "persistence false",
                $"log_dest file {_scratch.File("mosquitto.log")}",
                "log_type all",
                "connection_messages true",
                string.Empty]));
            _broker = RunningProcess.Start(mosquitto, ["-c", configuration]);
            if (await LocalPorts.WaitUntilListeningAsync(endPoint, _broker, TimeSpan.FromSeconds(30)))
            {
                EndPoint = endPoint;
                return;
            }

            var failed = $"{_broker.Describe()}{Environment.NewLine}{Log()}";
            await _broker.DisposeAsync();
            _broker = null;
            if (attempt == 3)
            {
                throw new InvalidOperationException($"mosquitto did not start:{Environment.NewLine}{failed}");
            }
        }
    }

    /// <summary>The configuration lines that say who may connect: anyone.</summary>
    private protected virtual Task<string[]> AccessAsync(ScratchDirectory scratch) => Task.FromResult<string[]>(["allow_anonymous true"]);

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        if (_broker is not null)
        {
            await _broker.DisposeAsync();
        }

        _scratch?.Dispose();
    }
}

/// <summary>The tests that share one mosquitto broker; they run one after another.</summary>
[CollectionDefinition(Name)]
public sealed class MosquittoCollection : ICollectionFixture<MosquittoBroker>
{
    /// <summary>The collection's name.</summary>
    public const string Name = "mosquitto";
}
