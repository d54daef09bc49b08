using System.Net;
using Usher.Configuration;
using Usher.Identity;
using Usher.Testing;

namespace Usher.EndToEnd.Tests.Tls;

/// <summary>Listener settings that terminate TLS with the test certificates, on loopback (port chosen by the kernel),
/// with the end-to-end tests' fast keepalive.</summary>
internal static class TlsListener
{
    public static ListenerSettings Create(TlsCertificates certificates, IPEndPoint backend, IdentityKind identity,
        int maxSessionsPerIdentity, bool clientCa = false,
        ClientCertificateIdentity part = ClientCertificateIdentity.SubjectCn, TimeSpan? idleTimeout = null,
        TimeSpan? handshakeTimeout = null, IPAddress? listen = null, IReadOnlyList<IPNetwork>? trustedProxies = null,
        OnLimitPolicy onLimit = OnLimitPolicy.Reject) => new()
        {
            Name = "tls",
            Listen = new IPEndPoint(listen ?? IPAddress.Loopback, 0),
            BackendHost = backend.Address.ToString(),
            BackendPort = backend.Port,
            Identity = identity,
            MaxSessionsPerIdentity = maxSessionsPerIdentity,
            Keepalive = EndToEnd.FastKeepalive,
            UserTimeout = EndToEnd.FastKeepalive.Budget,
            ConnectTimeout = TimeSpan.FromSeconds(3),
            HandshakeTimeout = handshakeTimeout ?? TimeSpan.FromSeconds(10),
            IdleTimeout = idleTimeout,
            TrustedProxies = trustedProxies ?? [],
            OnLimit = onLimit,
            Tls = new TlsSettings
            {
                Certificate = certificates.ServerPem,
                Key = certificates.ServerKey,
                ClientCa = clientCa ? certificates.CaPem : null,
                ClientCertificateIdentity = part,
            },
        };

    /// <summary>openssl s_client to the gateway asking for <paramref name="serverName"/>, checking the gateway's
    /// certificate against the test CA and that name; it stays until the gateway closes (stdin is empty). With -brief
    /// the connection summary goes to standard error and standard output holds only what the backend sent.</summary>
    public static RunningProcess SClient(TlsCertificates certificates, IPEndPoint gateway, string serverName) =>
        RunningProcess.Start(Tools.Find("openssl"),
        [
            "s_client", "-connect", $"127.0.0.1:{gateway.Port}", "-servername", serverName,
            "-CAfile", certificates.CaPem, "-verify_hostname", serverName, "-verify_return_error", "-ign_eof", "-brief",
        ]);
}
