using System.Globalization;
using Microsoft.AspNetCore.Http;

namespace Usher.Admin.Endpoints;

/// <summary>The liveness parameters of <c>GET /api/sessions</c>: <c>fresh=true</c> reads TCP_INFO of the listed
/// sessions now, <c>suspect=true</c> lists only the suspect ones (and implies <c>fresh</c>), <c>limit=N</c> lists the
/// oldest N.</summary>
internal sealed record ListQuery(bool Fresh, bool Suspect, int Limit)
{
    public const string Usage =
        "GET /api/sessions takes fresh=true|false, suspect=true|false and limit=N (a whole number from 1), e.g. /api/sessions?suspect=true&limit=100";

    /// <summary>The parameters; <c>null</c> when one is not what <see cref="Usage"/> says.</summary>
    public static ListQuery? Parse(IQueryCollection query)
    {
        if (!Flag(query, "fresh", out var fresh) || !Flag(query, "suspect", out var suspect))
        {
            return null;
        }

        var limit = int.MaxValue;
        if (query["limit"].FirstOrDefault() is { } text
            && (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit < 1))
        {
            return null;
        }

        return new ListQuery(fresh || suspect, suspect, limit);
    }

    private static bool Flag(IQueryCollection query, string name, out bool value)
    {
        value = false;
        return query[name].FirstOrDefault() is not { } text || bool.TryParse(text, out value);
    }
}
