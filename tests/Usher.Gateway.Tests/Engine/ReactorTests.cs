using Microsoft.Extensions.Logging.Abstractions;
using Usher.Diagnostics;
using Usher.Gateway.Engine;
using Usher.Gateway.Native;
using Usher.Sessions;
using Usher.Testing;

namespace Usher.Gateway.Tests.Engine;

/// <summary>The event loop's own correctness: every post runs, a fault in posted work ends its owner and not the loop,
/// and a loop whose epoll_wait fails fails the gateway.</summary>
public sealed class ReactorTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task EveryPostFromManyThreadsRunsWithoutWaitingForALaterOne()
    {
        using var reactor = new Reactor(0, NullLogger.Instance);
        reactor.Start();
        const int Threads = 4;
        const int Rounds = 2000;
        var ran = 0;

        // Each thread posts one item and waits for it to run before posting the next: a post left in the queue
        // behind a lost wake-up would stall its thread for good (the bounded wait fails the test).
        var posters = Enumerable.Range(0, Threads).Select(_ => Task.Run(async () =>
        {
            for (var i = 0; i < Rounds; i++)
            {
                var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                reactor.Post(() =>
                {
                    Interlocked.Increment(ref ran);
                    done.TrySetResult();
                });
                await done.Task.WaitAsync(Wait);
            }
        })).ToArray();

        await Task.WhenAll(posters).WaitAsync(Wait);
        Assert.Equal(Threads * Rounds, Volatile.Read(ref ran));
    }

    [Fact]
    public async Task PostedWorkThatThrowsFaultsItsOwnerAndTheLoopGoesOn()
    {
        using var reactor = new Reactor(0, NullLogger.Instance);
        reactor.Start();
        var owner = new FaultRecorder();

        reactor.Post(owner, () => throw new InvalidOperationException("posted work failed"));

        var fault = await owner.Faulted.WaitAsync(Wait);
        Assert.Equal("posted work failed", fault.Message);
        var after = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        reactor.Post(() => after.TrySetResult());
        await after.Task.WaitAsync(Wait);
    }

    [Fact]
    public async Task ASessionWhosePostedWorkThrowsEndsAsErrorAndReleasesItsPlace()
    {
        await using var backend = new SessionServer();
        await using var gateway = TestGateway.Start(TestGateway.Listener(backend.EndPoint));
        using var client = await TestClient.ConnectAsync(gateway.EndPoint);
        Assert.True(await client.IsAdmittedAsync());
        var session = gateway.Gateway.Registry.Sessions.Single();
        Assert.Equal(1, gateway.Gateway.Ledger.Total);

        session.Reactor.Post(session, () => throw new InvalidOperationException("posted work failed"));

        await session.Completion.WaitAsync(Wait);
        Assert.Equal(CloseReason.Error, session.Record.CloseReason);
        Assert.True(session.IsReleased);
        Assert.Equal(0, gateway.Gateway.Ledger.Total);
        var failed = await gateway.Logs.WaitForAsync(UsherEvents.SessionFailed, Wait);
        Assert.Equal("posted work failed", failed.Exception?.Message);
        Assert.Null(await client.ReadAsync(Wait));

        // The loop goes on: the next client is served.
        using var next = await TestClient.ConnectAsync(gateway.EndPoint);
        Assert.True(await next.IsAdmittedAsync());
    }

    [Fact]
    public async Task AFailedEpollWaitFaultsTheLoopAndTheGatewayAndIsLoggedAsCritical()
    {
        await using var backend = new SessionServer();
        await using var gateway = TestGateway.Start(new Configuration.GatewaySettings
        {
            Listeners = [TestGateway.Listener(backend.EndPoint)],
            Workers = 1,
            ShutdownGrace = TimeSpan.FromSeconds(1),
        });
        var reactor = gateway.Gateway.Reactors.Single();

        BreakEpoll(reactor);

        var failure = await Assert.ThrowsAnyAsync<IOException>(() => gateway.Gateway.Failure.WaitAsync(Wait));
        Assert.Contains("epoll_wait", failure.Message, StringComparison.Ordinal);
        await Assert.ThrowsAnyAsync<IOException>(() => reactor.Stopped.WaitAsync(Wait));
        var critical = await gateway.Logs.WaitForAsync(UsherEvents.ReactorFailed, Wait);
        Assert.Equal(Microsoft.Extensions.Logging.LogLevel.Critical, critical.Level);
    }

    [Fact]
    public async Task TheHostStopsWhenAnEventLoopFailsAndSaysWhy()
    {
        await using var backend = new SessionServer();
        var logs = new LogCapture();
        var lifetime = new StoppingLifetime();
        var settings = new Configuration.GatewaySettings
        {
            Listeners = [TestGateway.Listener(backend.EndPoint)],
            Workers = 1,
            ShutdownGrace = TimeSpan.FromSeconds(1),
        };
        await using var service = new Hosting.GatewayHostedService(settings, logs.CreateFactory(), TimeProvider.System, lifetime: lifetime);
        await service.StartAsync(CancellationToken.None);
        Assert.Null(service.Failure);

        BreakEpoll(service.Gateway.Reactors.Single());

        await lifetime.Stopping.WaitAsync(Wait);
        Assert.IsType<IOException>(service.Failure);
        await service.StopAsync(CancellationToken.None);
    }

    /// <summary>Puts a descriptor that is no epoll set where the loop's epoll set was: its next epoll_wait fails
    /// (EINVAL).</summary>
    private static void BreakEpoll(Reactor reactor)
    {
        using var notEpoll = File.OpenRead("/dev/null");
        Assert.True(Libc.Dup2((int)notEpoll.SafeFileHandle.DangerousGetHandle(), reactor.EpollDescriptor) >= 0);
    }

    private sealed class StoppingLifetime : Microsoft.Extensions.Hosting.IHostApplicationLifetime
    {
        private readonly TaskCompletionSource _stopping = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task Stopping => _stopping.Task;

        public CancellationToken ApplicationStarted => CancellationToken.None;

        public CancellationToken ApplicationStopping => CancellationToken.None;

        public CancellationToken ApplicationStopped => CancellationToken.None;

        public void StopApplication() => _stopping.TrySetResult();
    }

    private sealed class FaultRecorder : IReactorHandler
    {
        private readonly TaskCompletionSource<Exception> _faulted = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task<Exception> Faulted => _faulted.Task;

        public void OnEvent(Readiness events, int side)
        {
        }

        public void OnDeadline(long now)
        {
        }

        public void OnPosted()
        {
        }

        public void OnFault(Exception exception) => _faulted.TrySetResult(exception);
    }
}
