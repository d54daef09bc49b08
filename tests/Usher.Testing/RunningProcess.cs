using System.Diagnostics;
using System.Text;

namespace Usher.Testing;

/// <summary>What a finished process left behind.</summary>
/// <param name="ExitCode">Its exit code.</param>
/// <param name="Output">Everything it wrote on standard output.</param>
/// <param name="Errors">Everything it wrote on standard error.</param>
public sealed record ProcessResult(int ExitCode, string Output, string Errors)
{
    /// <inheritdoc />
    public override string ToString() =>
        $"exit {ExitCode}{Environment.NewLine}stdout:{Environment.NewLine}{Output}{Environment.NewLine}stderr:{Environment.NewLine}{Errors}";
}

/// <summary>A child process whose output is read line by line as it comes, so a test can wait for a line (a greeting,
/// a log entry) and see the whole output when something fails. Disposing kills it if it still runs.</summary>
public sealed class RunningProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly List<string> _output = [];
    private readonly List<string> _errors = [];
    private readonly Lock _lock = new();
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private RunningProcess(Process process, string commandLine)
    {
        _process = process;
        CommandLine = commandLine;
    }

    /// <summary>The command as started, for messages.</summary>
    public string CommandLine { get; }

    /// <summary>The process id.</summary>
    public int Id => _process.Id;

    /// <summary>Whether the process has exited.</summary>
    public bool HasExited => _process.HasExited;

    /// <summary>Its exit code, once exited.</summary>
    public int ExitCode => _process.ExitCode;

    /// <summary>The standard output lines so far.</summary>
    public IReadOnlyList<string> Output
    {
        get
        {
            lock (_lock)
            {
                return [.. _output];
            }
        }
    }

    /// <summary>The standard error lines so far.</summary>
    public IReadOnlyList<string> Errors
    {
        get
        {
            lock (_lock)
            {
                return [.. _errors];
            }
        }
    }

    /// <summary>Starts <paramref name="fileName"/> with <paramref name="arguments"/> (passed as they are, no shell).
    /// Its standard input is closed at once, unless <paramref name="keepInputOpen"/>: then it stays open with nothing
    /// typed into it (a client that ends on the end of its input, such as <c>openssl s_client</c>, holds its
    /// connection) until <see cref="CloseInput"/> or dispose.</summary>
    public static RunningProcess Start(string fileName, IEnumerable<string> arguments,
        IReadOnlyDictionary<string, string?>? environment = null, bool keepInputOpen = false)
    {
        var psi = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var argument in arguments)
        {
            psi.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string?>())
        {
            psi.Environment[name] = value;
        }

        var commandLine = string.Join(' ', psi.ArgumentList.Prepend(fileName).Select(a => a.Contains(' ', StringComparison.Ordinal) ? $"'{a}'" : a));
        var process = new Process { StartInfo = psi };
        var running = new RunningProcess(process, commandLine);
        process.OutputDataReceived += (_, e) => running.Add(running._output, e.Data);
        process.ErrorDataReceived += (_, e) => running.Add(running._errors, e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        // Nothing is ever typed into it: a child that reads its input sees the end at once, or when it is closed.
        if (!keepInputOpen)
        {
            process.StandardInput.Close();
        }

        return running;
    }

    /// <summary>Closes the standard input: the child reads its end.</summary>
    public void CloseInput()
    {
        try
        {
            _process.StandardInput.Close();
        }
        catch (Exception e) when (e is IOException or InvalidOperationException)
        {
            // Already closed, or the child is gone.
        }
    }

    /// <summary>Runs a command to its end and returns what it printed; fails the test when it takes longer than
    /// <paramref name="timeout"/>.</summary>
    public static async Task<ProcessResult> RunAsync(string fileName, IEnumerable<string> arguments, TimeSpan timeout,
        IReadOnlyDictionary<string, string?>? environment = null)
    {
        await using var process = Start(fileName, arguments, environment);
        var exitCode = await process.WaitForExitAsync(timeout);
        return process.Result(exitCode);
    }

    /// <summary>Waits for a standard output line matching <paramref name="match"/> (including one already printed)
    /// and returns it; fails with the whole output when none comes in time or the process ends first.</summary>
    public async Task<string> WaitForLineAsync(Func<string, bool> match, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        var seen = 0;
        while (true)
        {
            Task changed;
            lock (_lock)
            {
                for (; seen < _output.Count; seen++)
                {
                    if (match(_output[seen]))
                    {
                        return _output[seen];
                    }
                }

                changed = _changed.Task;
            }

            if (_process.HasExited && await OutputClosedAsync())
            {
                lock (_lock)
                {
                    if (seen == _output.Count)
                    {
                        throw new InvalidOperationException($"the process ended without printing the line awaited.{Environment.NewLine}{Describe()}");
                    }
                }

                continue;
            }

            try
            {
                await changed.WaitAsync(TimeSpan.FromMilliseconds(200), cts.Token);
            }
            catch (TimeoutException)
            {
                // Re-check whether the process ended.
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"the line awaited was not printed within {timeout}.{Environment.NewLine}{Describe()}");
            }
        }
    }

    /// <summary>Waits for the process to end (and its output to be read); fails with its output when it runs longer
    /// than <paramref name="timeout"/>.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"the process did not end within {timeout}.{Environment.NewLine}{Describe()}");
        }

        return _process.ExitCode;
    }

    /// <summary>What the process printed so far, with the given exit code.</summary>
    public ProcessResult Result(int exitCode) =>
        new(exitCode, string.Join(Environment.NewLine, Output), string.Join(Environment.NewLine, Errors));

    /// <summary>Sends a signal by name (e.g. <c>TERM</c>) with kill(1).</summary>
    public async Task SignalAsync(string signal)
    {
        var result = await RunAsync(Tools.Find("kill"), [$"-{signal}", Id.ToString()], TimeSpan.FromSeconds(10));
        if (result.ExitCode != 0 && !_process.HasExited)
        {
            throw new InvalidOperationException($"kill -{signal} {Id} failed: {result}");
        }
    }

    /// <summary>The command and everything it printed, for failure messages.</summary>
    public string Describe()
    {
        var state = _process.HasExited ? $"exited with {_process.ExitCode}" : "still running";
        return $"$ {CommandLine} ({state}){Environment.NewLine}stdout:{Environment.NewLine}{string.Join(Environment.NewLine, Output)}" +
               $"{Environment.NewLine}stderr:{Environment.NewLine}{string.Join(Environment.NewLine, Errors)}";
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }

            CloseInput();

            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (Exception e) when (e is InvalidOperationException or OperationCanceledException or System.ComponentModel.Win32Exception)
        {
            // Already gone, or never started.
        }

        _process.Dispose();
    }

    private async Task<bool> OutputClosedAsync()
    {
        // Process.WaitForExitAsync also waits for the redirected streams to reach their end.
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(1));
        try
        {
            await _process.WaitForExitAsync(cts.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private void Add(List<string> lines, string? line)
    {
        if (line is null)
        {
            Signal();
            return;
        }

        lock (_lock)
        {
            lines.Add(line);
        }

        Signal();
    }

    private void Signal() => Interlocked.Exchange(ref _changed, new(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
}

/// <summary>Finds system tools whether or not the sbin folders are on PATH; the system's own (the ones test.sh
/// installs with apt-get) come before others of the same name on PATH.</summary>
public static class Tools
{
    private static readonly string[] SystemFolders = ["/usr/sbin", "/usr/bin", "/sbin", "/bin", "/usr/local/sbin", "/usr/local/bin"];

    /// <summary>The full path of <paramref name="name"/>; fails when it is not installed.</summary>
    public static string Find(string name) => TryFind(name)
        ?? throw new FileNotFoundException($"`{name}` is not installed (test.sh installs it: apt-get install iproute2 iptables postgresql python3 curl openssl mosquitto mosquitto-clients haproxy)");

    /// <summary>The full path of <paramref name="name"/>, or <c>null</c>.</summary>
    public static string? TryFind(string name)
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? string.Empty;
        foreach (var dir in SystemFolders.Concat(path.Split(':', StringSplitOptions.RemoveEmptyEntries)))
        {
            var candidate = Path.Combine(dir, name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }
}
