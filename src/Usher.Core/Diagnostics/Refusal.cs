using System.Net;

namespace Usher.Diagnostics;

/// <summary>One refused session, as reported to <see cref="RefusalLogFolder"/>.</summary>
public readonly record struct Refusal(
    string Listener, string Identity, string IdentityKind, int Count, int Limit, string Scope, string Policy, EndPoint Client);
