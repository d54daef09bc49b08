using Usher.Control;

namespace Usher.Gateway;

/// <summary>The gateway's control surface for its admin side.</summary>
public sealed partial class UsherGateway
{
    /// <summary>The gateway as the admin endpoint sees and drives it: snapshots of sessions and listeners, kills,
    /// TCP_INFO, the event feed, the instruments and reload. The sessions themselves and their leases stay inside the
    /// gateway.</summary>
    public IGatewayControl Control => field ??= new GatewayControl(this);
}
