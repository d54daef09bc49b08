using Microsoft.AspNetCore.Http;
using Usher.Control;

namespace Usher.Admin.Endpoints;

/// <summary>The answers of other nodes as the API gives them: a node that did not do what was asked becomes the problem
/// that says why; nodes that did not answer a listing are named in a header.</summary>
internal static class ClusterAnswers
{
    /// <summary>The header naming the nodes that did not answer in time (comma-separated); absent when all did.</summary>
    public const string NotAnsweringHeader = "Usher-Nodes-Not-Answering";

    /// <summary>The problem of a node that did not do what was asked (404, 409, 504); <c>null</c> when it did.</summary>
    public static IResult? Failed<T>(NodeAnswer<T> answer, long id) => answer.Outcome switch
    {
        NodeOutcome.Done => null,
        NodeOutcome.NoSuchSession => Answers.NotFound(
            $"no open session has id {id} on node {answer.Node} (it may have ended; GET /api/sessions lists the open ones)"),
        NodeOutcome.UnknownNode => Answers.NotFound(answer.Error ?? $"no node named {answer.Node} is alive"),
        NodeOutcome.Refused => Answers.Problem(StatusCodes.Status409Conflict, answer.Error ?? "refused"),
        _ => Answers.Problem(StatusCodes.Status504GatewayTimeout, answer.Error ?? $"node {answer.Node} did not answer"),
    };

    /// <summary>Names the nodes that did not answer in <see cref="NotAnsweringHeader"/>.</summary>
    /// <returns>Those nodes.</returns>
    public static List<string> TellSilent<T>(HttpContext context, IEnumerable<NodeAnswer<T>> answers)
    {
        var silent = answers.Where(a => a.Outcome == NodeOutcome.NotAnswering).Select(a => a.Node).ToList();
        if (silent.Count > 0)
        {
            context.Response.Headers[NotAnsweringHeader] = string.Join(", ", silent);
        }

        return silent;
    }

    /// <summary>A 404 for a <c>node</c> that names no node alive, found in a listing's answers; <c>null</c> otherwise.</summary>
    public static IResult? UnknownNode<T>(IEnumerable<NodeAnswer<T>> answers) =>
        answers.FirstOrDefault(a => a.Outcome == NodeOutcome.UnknownNode) is { } unknown ? Answers.NotFound(unknown.Error ?? "no such node") : null;
}
