using Usher.Admin.Api;

namespace Usher.Cli.Commands;

/// <summary>What one frame of <c>usher top</c> shows, and when it was read.</summary>
internal sealed record TopFrame(StatusResponse Status, IReadOnlyList<IdentityCount> Identities, long ReadAt)
{
    public static async Task<TopFrame> FetchAsync(AdminClient client, CancellationToken cancellationToken)
    {
        var (_, status) = await client.SendAsync(HttpMethod.Get, "/api/status", AdminJson.Default.StatusResponse, cancellationToken);
        var (_, identities) = await client.SendAsync(HttpMethod.Get, "/api/identities", AdminJson.Default.IReadOnlyListIdentityCount,
            cancellationToken);
        return new TopFrame(status, identities, Environment.TickCount64);
    }
}
