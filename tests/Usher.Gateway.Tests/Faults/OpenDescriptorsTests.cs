using Microsoft.Win32.SafeHandles;

namespace Usher.Gateway.Tests.Faults;

/// <summary>The count of the process's open descriptors the descriptor budget measures every second.</summary>
[Collection(LoadCollection.Name)]
public sealed class OpenDescriptorsTests
{
    [Fact]
    public void Open_descriptors_are_counted_as_proc_self_fd_lists_them_and_follow_the_descriptors_opened()
    {
        var before = ProcessLimits.OpenDescriptors();
        var listed = Directory.EnumerateFileSystemEntries("/proc/self/fd").Count();
        Assert.NotNull(before);
        // The listing holds the folder's own descriptor while it reads.
        Assert.InRange(listed - before.Value, -2, 3);

        var files = new List<SafeFileHandle>();
        try
        {
            for (var i = 0; i < 40; i++)
            {
                files.Add(File.OpenHandle("/dev/null"));
            }

            Assert.InRange(ProcessLimits.OpenDescriptors()!.Value - before.Value, 38, 42);
        }
        finally
        {
            files.ForEach(f => f.Dispose());
        }

        Assert.InRange(ProcessLimits.OpenDescriptors()!.Value - before.Value, -2, 2);
    }
}
