namespace Usher.Admin.Api;

/// <summary>An error answer (<c>application/problem+json</c>, RFC 9457).</summary>
/// <param name="Title">The status's name, e.g. <c>Bad Request</c>.</param>
/// <param name="Status">The HTTP status code.</param>
/// <param name="Detail">What was wrong, and what to send instead.</param>
public sealed record Problem(string Title, int Status, string Detail);
