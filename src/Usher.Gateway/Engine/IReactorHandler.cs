namespace Usher.Gateway.Engine;

/// <summary>Something registered in a reactor's epoll set: a listening socket or a session.</summary>
internal interface IReactorHandler
{
    /// <summary>Handles readiness of one of its sockets. Runs on the reactor thread.</summary>
    /// <param name="events">What the socket is ready for.</param>
    /// <param name="side">Which of the handler's sockets: 0 or 1.</param>
    void OnEvent(Readiness events, int side);

    /// <summary>Called on the reactor thread when a deadline it asked for has passed.</summary>
    void OnDeadline(long now);

    /// <summary>Called on the reactor thread after <see cref="Reactor.PostClose"/>.</summary>
    void OnPosted();

    /// <summary>Handles an unexpected exception thrown by <see cref="OnEvent"/>, <see cref="OnDeadline"/>,
    /// <see cref="OnPosted"/> or work posted on the handler's behalf (<see cref="Reactor.Post(IReactorHandler, Action)"/>):
    /// a session ends with reason Error and releases its place.</summary>
    void OnFault(Exception exception);
}
