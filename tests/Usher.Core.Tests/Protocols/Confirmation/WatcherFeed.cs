using Usher.Protocols.Confirmation;

namespace Usher.Core.Tests.Protocols.Confirmation;

/// <summary>Feeds a watcher a backend's bytes in pieces, as the gateway does: the bytes not passed are shown again
/// with the next piece.</summary>
internal static class WatcherFeed
{
    /// <summary>The verdict and how many bytes of <paramref name="stream"/> went to the client before it (all of
    /// them while pending).</summary>
    public static (BackendVerdict Verdict, int Passed) Run(IBackendWatcher watcher, byte[] stream, int piece)
    {
        var passed = 0;
        var end = 0;
        while (end < stream.Length)
        {
            end = Math.Min(stream.Length, end + piece);
            var watch = watcher.Watch(stream.AsSpan(passed, end - passed));
            Assert.InRange(watch.Passed, 0, end - passed);
            passed += watch.Passed;
            if (watch.Verdict != BackendVerdict.Pending)
            {
                return (watch.Verdict, passed);
            }
        }

        return (BackendVerdict.Pending, passed);
    }

    /// <summary>Runs <paramref name="stream"/> in every piece size from 1 byte to whole and checks each gives
    /// <paramref name="verdict"/> with <paramref name="passed"/> bytes passed.</summary>
    public static void EveryPieceSize(Func<IBackendWatcher> watcher, byte[] stream, BackendVerdict verdict, int passed)
    {
        for (var piece = 1; piece <= stream.Length; piece++)
        {
            var (got, gotPassed) = Run(watcher(), stream, piece);
            Assert.True(got == verdict, $"piece {piece}: {got}, expected {verdict}");
            if (verdict != BackendVerdict.Rejected)
            {
                Assert.True(gotPassed == passed, $"piece {piece}: passed {gotPassed}, expected {passed}");
            }
        }
    }
}
