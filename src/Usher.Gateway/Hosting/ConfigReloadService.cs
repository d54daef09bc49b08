using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Usher.Configuration;

namespace Usher.Gateway.Hosting;

/// <summary>Hot reload of <c>usher run</c>: reads the configuration file again on SIGHUP and when it changes on disk,
/// and applies it with <see cref="UsherGateway.ReloadAsync"/> (event 9654), or logs why it cannot (event 9655) and
/// keeps the running configuration.</summary>
/// <remarks>The folder is watched rather than the file, so an editor that writes a new file and renames it over the
/// old one, or Kubernetes swapping its <c>..data</c> link, is seen. Events are debounced: the file is read once
/// they have been quiet for <see cref="ConfigReloadOptions.Debounce"/>. A file found missing is looked at again a
/// second later before it is reported, since editors remove it for a moment; so is a file that is not valid JSON, since
/// an editor that writes in place (truncate, then write) leaves it half-written for a moment. A change that leaves the file's content
/// as it was read last does nothing; SIGHUP always reloads (and loads TLS files whose content changed).</remarks>
public sealed class ConfigReloadService : IHostedService, IAsyncDisposable
{
    private static readonly TimeSpan MissingRecheck = TimeSpan.FromSeconds(1);

    /// <summary>The key of a problem with the file as a whole (missing, unreadable, not JSON).</summary>
    private const string FileKey = "(file)";
    private readonly UsherGateway _gateway;
    private readonly string _path;
    private readonly string _fullPath;
    private readonly Func<string, GatewaySettings> _load;
    private readonly ConfigReloadOptions _options;
    private readonly Channel<Trigger> _triggers = Channel.CreateUnbounded<Trigger>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Lock _lock = new();
    private readonly Timer _debounce;
    private readonly Timer _recheck;
    private long _burstStarted;
    private string? _lastStamp;
    private FileSystemWatcher? _watcher;
    private PosixSignalRegistration? _sighup;
    private Task _loop = Task.CompletedTask;
    private volatile bool _stopping;
    private int _checks;

    /// <summary>Creates the service; nothing is watched until <see cref="StartAsync"/>.</summary>
    /// <param name="gateway">The running gateway.</param>
    /// <param name="path">The configuration file, as given to <c>--config</c> (named so in the events).</param>
    /// <param name="load">Reads the file into settings, throwing <see cref="ConfigException"/> with every problem
    /// (<c>usher check</c>'s own loader).</param>
    /// <param name="options">What triggers a reload.</param>
    public ConfigReloadService(UsherGateway gateway, string path, Func<string, GatewaySettings> load, ConfigReloadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(gateway);
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(load);
        _gateway = gateway;
        _path = path;
        _fullPath = Path.GetFullPath(path);
        _load = load;
        _options = options ?? new ConfigReloadOptions();
        _lastStamp = _options.LoadedStamp;
        _debounce = new Timer(_ => Post(Trigger.Changed));
        _recheck = new Timer(_ => Post(Trigger.Recheck));
        if (_options.Sighup)
        {
            // A parent may have left SIGHUP ignored (nohup, some service managers); the runtime then drops it even
            // for a registration, so the default disposition is put back first, and the registration replaces it.
            InheritedSighupIgnored = Native.Libc.Signal(Native.Libc.SIGHUP, Native.Libc.SIG_DFL) == Native.Libc.SIG_IGN;

            // Taken from construction (before the gateway starts) so that a SIGHUP sent as soon as the listeners
            // accept never meets the default action, which ends the process; it is served once started.
            _sighup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, context =>
            {
                context.Cancel = true;
                Post(Trigger.Signal);
            });
        }
    }

    /// <summary>A stamp of the file's content (SHA-256), or <c>null</c> when there is no file. Taken before the file
    /// is read for the first time, it tells the service what the running configuration was read from.</summary>
    public static string? Stamp(string path)
    {
        try
        {
            return Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path)));
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Unreadable: a stamp of its own, so the loader is asked and says why.
            return "unreadable " + e.Message;
        }
    }

    /// <summary>Whether the process started with SIGHUP ignored by its parent (e.g. under <c>nohup</c>); it is served
    /// all the same.</summary>
    public bool InheritedSighupIgnored { get; }

    /// <summary>How many times the file was looked at (for tests: a change that made no event was still seen).</summary>
    internal int Checks => Volatile.Read(ref _checks);

    /// <inheritdoc />
    /// <exception cref="ConfigWatchException">The folder cannot be watched (e.g. the inotify instance limit is
    /// reached, or the folder is gone).</exception>
    public Task StartAsync(CancellationToken cancellationToken)
    {
        _lastStamp ??= Stamp(_path);
        _loop = Task.Run(RunAsync, CancellationToken.None);
        if (_options.Watch)
        {
            var folder = Path.GetDirectoryName(_fullPath)!;
            try
            {
                _watcher = new FileSystemWatcher(folder)
                {
                    IncludeSubdirectories = false,
                    NotifyFilter = NotifyFilters.FileName | NotifyFilters.DirectoryName | NotifyFilters.LastWrite
                        | NotifyFilters.Size | NotifyFilters.CreationTime | NotifyFilters.Attributes,
                };
                _watcher.Changed += (_, e) => OnFileEvent(e.Name);
                _watcher.Created += (_, e) => OnFileEvent(e.Name);
                _watcher.Deleted += (_, e) => OnFileEvent(e.Name);
                _watcher.Renamed += (_, e) => OnFileEvent(e.Name, e.OldName);
                _watcher.Error += (_, _) => OnFileEvent(null);
                _watcher.EnableRaisingEvents = true;
            }
            catch (Exception e) when (e is IOException or ArgumentException or UnauthorizedAccessException)
            {
                _watcher?.Dispose();
                _watcher = null;
                throw new ConfigWatchException($"cannot watch {folder} for changes of {_path}: {e.Message}", e);
            }

            // An edit between the first read and now is caught here.
            Post(Trigger.Changed);
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _stopping = true;
        _sighup?.Dispose();
        _sighup = null;
        if (_watcher is not null)
        {
            _watcher.EnableRaisingEvents = false;
            _watcher.Dispose();
            _watcher = null;
        }

        await _debounce.DisposeAsync().ConfigureAwait(false);
        await _recheck.DisposeAsync().ConfigureAwait(false);
        _triggers.Writer.TryComplete();
        await _loop.ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync() => await StopAsync(CancellationToken.None).ConfigureAwait(false);

    private void OnFileEvent(string? name, string? oldName = null)
    {
        if (name is not null && !Concerns(name) && (oldName is null || !Concerns(oldName)))
        {
            return;
        }

        // Trailing debounce, bounded: read once the events have been quiet for Debounce, and at the latest four
        // Debounce after the first, so a file that keeps changing is still read.
        var now = Environment.TickCount64;
        var debounce = (long)_options.Debounce.TotalMilliseconds;
        long due;
        lock (_lock)
        {
            if (_burstStarted == 0 || now - _burstStarted > 4 * debounce)
            {
                _burstStarted = now;
            }

            due = Math.Max(0, Math.Min(debounce, _burstStarted + (4 * debounce) - now));
        }

        try
        {
            _debounce.Change(TimeSpan.FromMilliseconds(due), Timeout.InfiniteTimeSpan);
        }
        catch (ObjectDisposedException)
        {
            // Stopping.
        }
    }

    /// <summary>Whether an entry of the folder bears on the file: the file itself, or Kubernetes' <c>..data</c> links
    /// and folders, through which a mounted ConfigMap changes.</summary>
    private bool Concerns(string name) =>
        string.Equals(name, Path.GetFileName(_fullPath), StringComparison.Ordinal) || name.StartsWith("..", StringComparison.Ordinal);

    private void Post(Trigger trigger)
    {
        if (trigger == Trigger.Changed)
        {
            lock (_lock)
            {
                _burstStarted = 0;
            }
        }

        _triggers.Writer.TryWrite(trigger);
    }

    private async Task RunAsync()
    {
        while (await _triggers.Reader.WaitToReadAsync().ConfigureAwait(false))
        {
            // Triggers that came together make one reload; SIGHUP's wins, as it reloads even an unchanged file.
            var trigger = Trigger.Recheck;
            while (_triggers.Reader.TryRead(out var next))
            {
                trigger = (Trigger)Math.Min((int)trigger, (int)next);
            }

            if (_stopping)
            {
                continue;
            }

            try
            {
                await ReloadAsync(trigger).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                _gateway.RejectReload(_path, [new ConfigError(_path, "(reload)", $"the reload failed: {e.Message}",
                    "correct the file, then send SIGHUP; the running configuration is unchanged")]);
            }
        }
    }

    private async Task ReloadAsync(Trigger trigger)
    {
        Interlocked.Increment(ref _checks);
        var stamp = Stamp(_path);
        if (stamp is null && trigger == Trigger.Changed)
        {
            // Removed for a moment while an editor replaces it: look again before saying it is gone.
            LookAgainSoon();
            return;
        }

        const string missing = "missing";
        stamp ??= missing;
        if (trigger != Trigger.Signal && stamp == _lastStamp)
        {
            return;
        }

        var previous = _lastStamp;
        _lastStamp = stamp;
        GatewaySettings settings;
        try
        {
            settings = _load(_path);
        }
        catch (ConfigException e)
        {
            if (trigger == Trigger.Changed && (!File.Exists(_fullPath) || e.Errors.Any(error => error.Key == FileKey)))
            {
                // Gone between the stamp and the read, or not JSON (yet): an editor that truncates the file and then
                // writes it, in one or more writes, leaves it half-written for a moment. Read it again once it has
                // settled; only what it says then is reported.
                _lastStamp = previous;
                LookAgainSoon();
                return;
            }

            _gateway.RejectReload(_path, e.Errors);
            return;
        }

        var result = await _gateway.ReloadAsync(settings).ConfigureAwait(false);
        if (!result.Applied)
        {
            // Not applied (an address taken): the next change of the file tries again, even to the same content.
            _lastStamp = null;
        }
    }

    private void LookAgainSoon()
    {
        try
        {
            _recheck.Change(MissingRecheck, Timeout.InfiniteTimeSpan);
        }
        catch (ObjectDisposedException)
        {
            // Stopping.
        }
    }

    /// <summary>What asked for a reload, strongest first.</summary>
    private enum Trigger
    {
        Signal,
        Changed,
        Recheck,
    }
}

/// <summary>What makes <see cref="ConfigReloadService"/> reload.</summary>
public sealed class ConfigReloadOptions
{
    /// <summary>Reload when the file changes on disk.</summary>
    /// <remarks>Defaults to <c>true</c>; <c>usher run --no-watch</c> turns it off, leaving SIGHUP.</remarks>
    public bool Watch { get; init; } = true;

    /// <summary>Reload on SIGHUP. Only for a process that owns its signals (<c>usher run</c>), not a test host.</summary>
    /// <remarks>Defaults to <c>false</c>.</remarks>
    public bool Sighup { get; init; }

    /// <summary>How long the file's events must be quiet before it is read.</summary>
    /// <remarks>Defaults to 250 ms: an editor's write, rename and chmod come as one change.</remarks>
    public TimeSpan Debounce { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary><see cref="ConfigReloadService.Stamp"/> of the file taken before the running configuration was read
    /// from it; <c>null</c> to take it at start.</summary>
    public string? LoadedStamp { get; init; }
}
