using System.Net;

namespace Usher.Protocols.Composite;

/// <summary>One identity made of two parts, e.g. an IMAP login and the client's address (Dovecot counts sessions
/// per user and IP): <c>first@second</c>, e.g. <c>alice@10.0.0.7</c> or <c>alice@example.com@2001:db8::7</c>.</summary>
/// <remarks>The format is unambiguous: the first part is written as is (it may hold <c>@</c>, as e-mail logins
/// do), and in the second part <c>%</c> and <c>@</c> are written <c>%25</c> and <c>%40</c>, so the <b>last</b>
/// <c>@</c> always separates the parts. Addresses hold neither character (a zone index's <c>%</c> aside), so an
/// address part reads as usual. Write keys of <c>Overrides</c> in this same form.</remarks>
public static class CompositeIdentity
{
    /// <summary>The separator: the last one in a composite identity.</summary>
    public const char Separator = '@';

    /// <summary><paramref name="first"/>@<paramref name="address"/>, an IPv4-mapped IPv6 address written as IPv4 (as
    /// source-IP identities are).</summary>
    public static string Join(string first, IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        return Join(first, (address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address).ToString());
    }

    /// <summary><paramref name="first"/>@<paramref name="second"/>, with <c>%</c> and <c>@</c> of the second part
    /// percent-encoded.</summary>
    public static string Join(string first, string second)
    {
        ArgumentNullException.ThrowIfNull(first);
        ArgumentNullException.ThrowIfNull(second);
        var extra = 0;
        foreach (var c in second)
        {
            extra += c is '%' or Separator ? 2 : 0;
        }

        return string.Create(first.Length + 1 + second.Length + extra, (first, second), static (span, parts) =>
        {
            parts.first.AsSpan().CopyTo(span);
            var i = parts.first.Length;
            span[i++] = Separator;
            foreach (var c in parts.second)
            {
                if (c is '%' or Separator)
                {
                    span[i++] = '%';
                    span[i++] = c == '%' ? '2' : '4';
                    span[i++] = c == '%' ? '5' : '0';
                }
                else
                {
                    span[i++] = c;
                }
            }
        });
    }

    /// <summary>The two parts of a composite identity made by <see cref="Join(string, string)"/>.</summary>
    public static bool TrySplit(string composite, out string first, out string second)
    {
        ArgumentNullException.ThrowIfNull(composite);
        var at = composite.LastIndexOf(Separator);
        if (at < 0)
        {
            first = second = string.Empty;
            return false;
        }

        first = composite[..at];
        second = composite[(at + 1)..].Replace("%40", "@", StringComparison.Ordinal).Replace("%25", "%", StringComparison.Ordinal);
        return true;
    }
}
