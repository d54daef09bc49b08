namespace Usher.Protocols.Confirmation;

/// <summary>What is left of a backend message a watcher has read as undecided (a password request, a notice, an
/// MQTT AUTH packet): passed to the client as its bytes come, without being read.</summary>
internal struct MessageRemainder
{
    private int _bytes;

    /// <summary>A message of <paramref name="bytes"/> bytes, header included, starts at the bytes passed so far.</summary>
    public void Begin(int bytes) => _bytes = bytes;

    /// <summary>Passes what of the rest stands in the first <paramref name="shown"/> bytes, after
    /// <paramref name="passed"/>.</summary>
    /// <returns><c>true</c> when the message is passed whole (the next one starts at <paramref name="passed"/>).</returns>
    public bool Pass(ref int passed, int shown)
    {
        var bytes = Math.Min(_bytes, shown - passed);
        passed += bytes;
        _bytes -= bytes;
        return _bytes == 0;
    }
}
