namespace Usher.Protocols.Confirmation;

/// <summary>Reads a backend's first messages to a client, as they pass, for the one that accepts the client's
/// credentials (PostgreSQL AuthenticationOk, an MQTT CONNACK that accepts, an HTTP status other than 401 / 407). One
/// per session, stateful: it is shown the backend's bytes not yet passed, and its state advances only over the
/// bytes it lets pass, so a message split over many reads is simply shown again with the bytes that follow.
/// Pure: no I/O.</summary>
public interface IBackendWatcher
{
    /// <summary>Reads <paramref name="unpassed"/>: the backend's bytes not yet passed to the client, oldest first.
    /// Once it answered <see cref="BackendVerdict.Confirmed"/> or <see cref="BackendVerdict.Rejected"/> it is not
    /// asked again.</summary>
    BackendWatch Watch(ReadOnlySpan<byte> unpassed);
}
