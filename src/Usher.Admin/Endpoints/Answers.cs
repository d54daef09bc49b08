using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using Usher.Admin.Api;

namespace Usher.Admin.Endpoints;

/// <summary>Answers in the API's own JSON: values, and problems (RFC 9457) that say what to send instead.</summary>
internal static class Answers
{
    public const string ProblemType = "application/problem+json";

    /// <summary>A request delegate that runs <paramref name="handler"/> and writes its answer.</summary>
    public static RequestDelegate Run(Func<HttpContext, IResult> handler) => context => handler(context).ExecuteAsync(context);

    /// <summary>A request delegate that runs <paramref name="handler"/> and writes its answer.</summary>
    public static RequestDelegate Run(Func<HttpContext, Task<IResult>> handler) =>
        async context => await (await handler(context).ConfigureAwait(false)).ExecuteAsync(context).ConfigureAwait(false);

    public static IResult Json<T>(T value, JsonTypeInfo<T> info) => Results.Json(value, info);

    public static IResult Problem(int status, string detail) =>
        Results.Json(new Problem(ReasonPhrases.GetReasonPhrase(status), status, detail), AdminJson.Readable.Problem, ProblemType, status);

    public static IResult BadRequest(string detail) => Problem(StatusCodes.Status400BadRequest, detail);

    public static IResult NotFound(string detail) => Problem(StatusCodes.Status404NotFound, detail);

    /// <summary>A 400 for a query parameter the endpoint does not take (a typo must not widen a kill or a listing);
    /// <c>null</c> when every parameter is known.</summary>
    public static IResult? UnknownParameter(HttpRequest request, params string[] known)
    {
        foreach (var key in request.Query.Keys)
        {
            if (!known.Contains(key, StringComparer.Ordinal))
            {
                var takes = known.Length == 0 ? "takes no query parameters" : "takes " + string.Join(", ", known);
                return BadRequest($"unknown query parameter \"{key}\": {request.Method} {request.Path} {takes}");
            }
        }

        return null;
    }
}
