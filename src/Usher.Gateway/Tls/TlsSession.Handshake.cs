using System.Net;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Usher.Diagnostics;
using Usher.Identity;
using Usher.Protocols;
using Usher.Protocols.Composite;
using Usher.Protocols.Tls;
using Usher.Sessions;

namespace Usher.Gateway.Tls;

/// <summary>The TLS handshake and the identity it yields: the server name the client asked for, the subject of its
/// certificate (validated against Tls:ClientCa), or its address. A handshake that fails, takes longer than
/// HandshakeTimeout or yields no usable identity is event 9650 (HandshakeFailed); a client that leaves before
/// sending a byte is a port probe, closed without a word.</summary>
internal sealed partial class TlsSession
{
    private string? _certificateProblem;

    /// <returns><c>true</c> when the session has its identity.</returns>
    private async Task<bool> HandshakeAsync()
    {
        var settings = _context.Settings;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_closing.Token);
        timeout.CancelAfter(settings.HandshakeTimeout);
        try
        {
            // Wait for the ClientHello without holding a buffer; nothing at all means a probe that came and went.
            await _client!.ReceiveAsync(Memory<byte>.Empty, SocketFlags.None, timeout.Token).ConfigureAwait(false);
            if (_client.Available == 0)
            {
                Record.TrySetCloseReason(CloseReason.ClientClosed);
                return false;
            }

            await _ssl!.AuthenticateAsServerAsync(_tls.Options((_, certificate, chain, errors) =>
            {
                _certificateProblem = _tls.Clients?.Validate(certificate, chain, errors);
                return _certificateProblem is null;
            }), timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (_closing.IsCancellationRequested)
        {
            return false;
        }
        catch (OperationCanceledException)
        {
            return Reject($"no TLS handshake within HandshakeTimeout {settings.HandshakeTimeout}");
        }
        catch (AuthenticationException e)
        {
            return Reject(_certificateProblem ?? "TLS handshake failed: " + Describe(e));
        }
        catch (Exception e) when (e is IOException or SocketException)
        {
            if (_certificateProblem is not null)
            {
                return Reject(_certificateProblem);
            }

            // Gone during the handshake: nothing to count, as for a client that leaves before its first bytes.
            Record.TrySetCloseReason(CloseReason.ClientClosed);
            return false;
        }

        return Identify();
    }

    private bool Identify()
    {
        var settings = _context.Settings;
        var address = ((IPEndPoint)Record.Client).Address;
        var result = settings.Identity switch
        {
            IdentityKind.TlsSni => TlsServerNameIdentity.Read(_ssl!.TargetHostName),
            IdentityKind.TlsClientCertificate => ClientCertificateIdentityReader.Read(
                _ssl!.RemoteCertificate as X509Certificate2, _tls.Settings.ClientCertificateIdentity),
            _ => new HandshakeResult(HandshakeStatus.Identified, address.ToString()),
        };
        if (result.Status != HandshakeStatus.Identified)
        {
            return Reject(result.Problem ?? "no identity");
        }

        var identity = settings.IdentityWithSourceIp && settings.Identity != IdentityKind.SourceIp
            ? CompositeIdentity.Join(result.Identity!, address)
            : result.Identity!;
        Record.Identify(_context.Identify(settings.Identity, identity));
        return true;
    }

    /// <returns><c>false</c>, for the caller to return.</returns>
    private bool Reject(string problem)
    {
        if (Record.TrySetCloseReason(CloseReason.HandshakeFailed))
        {
            _context.Logger.HandshakeRejected(Record.Client, _context.Settings.Name, problem);
        }

        return false;
    }

    /// <summary>The exception's message with the TLS library's reason, when it gave one.</summary>
    private static string Describe(Exception e) =>
        e.InnerException is { Message: { Length: > 0 } inner } && inner != e.Message ? $"{e.Message} ({inner})" : e.Message;
}
