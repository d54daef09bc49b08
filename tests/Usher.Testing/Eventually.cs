namespace Usher.Testing;

/// <summary>Waits for a condition that has no event to wait on (a counter reaching a value), re-checking it often
/// until a deadline, and fails with a description when the deadline passes.</summary>
public static class Eventually
{
    /// <summary>Returns once <paramref name="condition"/> holds; throws <see cref="TimeoutException"/> naming
    /// <paramref name="what"/> when it does not within <paramref name="timeout"/>.</summary>
    public static async Task HoldsAsync(Func<bool> condition, TimeSpan timeout, string what)
    {
        ArgumentNullException.ThrowIfNull(condition);
        var deadline = Environment.TickCount64 + (long)timeout.TotalMilliseconds;
        while (!condition())
        {
            if (Environment.TickCount64 > deadline)
            {
                throw new TimeoutException($"{what}: not true within {timeout}");
            }

            await Task.Delay(10);
        }
    }

    /// <summary>Returns once the asynchronous <paramref name="condition"/> holds (a question to another process);
    /// throws <see cref="TimeoutException"/> naming <paramref name="what"/> when it does not within
    /// <paramref name="timeout"/>.</summary>
    public static async Task HoldsAsync(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        ArgumentNullException.ThrowIfNull(condition);
        var deadline = Environment.TickCount64 + (long)timeout.TotalMilliseconds;
        while (!await condition())
        {
            if (Environment.TickCount64 > deadline)
            {
                throw new TimeoutException($"{what}: not true within {timeout}");
            }

            await Task.Delay(50);
        }
    }
}
