using System.Diagnostics;

namespace Usher.EndToEnd.Tests;

/// <summary>A folder of one test's own (configuration files, certificates, a server's log), named after the test
/// process: <c>usher-e2e-PID-KIND-GUID</c> in the temporary folder. Disposing deletes it. Folders left by a test
/// process that was killed are deleted by the next run, after the servers still running from them (found by the
/// folder in their command line) are killed by their process id.</summary>
internal sealed class ScratchDirectory : IDisposable
{
    private const string Prefix = "usher-e2e-";

    private ScratchDirectory(string path) => Path = path;

    /// <summary>The folder's full path.</summary>
    public string Path { get; }

    /// <summary>Creates a new folder for <paramref name="kind"/> (a word: mqtt, haproxy, tls, ...).</summary>
    public static ScratchDirectory Create(string kind)
    {
        RemoveLeftovers();
        var path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"{Prefix}{Environment.ProcessId}-{kind}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(path);
        return new ScratchDirectory(path);
    }

    /// <summary>The full path of <paramref name="name"/> in the folder.</summary>
    public string File(string name) => System.IO.Path.Combine(Path, name);

    /// <summary>The file's text, or a note that it does not exist (for failure messages).</summary>
    public string Read(string name) => System.IO.File.Exists(File(name)) ? System.IO.File.ReadAllText(File(name)) : $"(no {name})";

    /// <inheritdoc />
    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }

    private static void RemoveLeftovers()
    {
        foreach (var directory in Directory.GetDirectories(System.IO.Path.GetTempPath(), Prefix + "*"))
        {
            var owner = System.IO.Path.GetFileName(directory)[Prefix.Length..].Split('-')[0];
            if (!int.TryParse(owner, out var pid) || pid == Environment.ProcessId || Directory.Exists($"/proc/{pid}"))
            {
                continue;
            }

            foreach (var server in ProcessesUsing(directory))
            {
                try
                {
                    using var process = Process.GetProcessById(server);
                    process.Kill(entireProcessTree: true);
                }
                catch (Exception e) when (e is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
                {
                    // Gone meanwhile.
                }
            }

            try
            {
                Directory.Delete(directory, recursive: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Another test process cleans up the same folder: it is gone or going.
            }
        }
    }

    /// <summary>Processes whose command line names <paramref name="directory"/>.</summary>
    private static List<int> ProcessesUsing(string directory)
    {
        var found = new List<int>();
        foreach (var proc in Directory.GetDirectories("/proc"))
        {
            if (!int.TryParse(System.IO.Path.GetFileName(proc), out var pid))
            {
                continue;
            }

            try
            {
                var commandLine = System.IO.File.ReadAllText(System.IO.Path.Combine(proc, "cmdline"));
                if (commandLine.Contains(directory, StringComparison.Ordinal))
                {
                    found.Add(pid);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Ended while we looked.
            }
        }

        return found;
    }
}
