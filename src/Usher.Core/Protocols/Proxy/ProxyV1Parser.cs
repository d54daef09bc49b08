using System.Net;
using System.Net.Sockets;

namespace Usher.Protocols.Proxy;

/// <summary>PROXY protocol version 1: <c>PROXY TCP4|TCP6 src dst sport dport\r\n</c> or <c>PROXY UNKNOWN ...\r\n</c>,
/// at most 107 bytes, single spaces, decimal numbers without leading zeroes.</summary>
internal static class ProxyV1Parser
{
    private const string Malformed = "malformed PROXY v1 line";

    private static ReadOnlySpan<byte> Prefix => "PROXY "u8;

    internal static ProxyHeader Read(ReadOnlySpan<byte> received)
    {
        var window = received[..Math.Min(received.Length, ProxyProtocolReader.MaxV1Length)];
        var head = window[..Math.Min(window.Length, Prefix.Length)];
        if (!Prefix.StartsWith(head))
        {
            return ProxyHeader.Invalid(ProxyProtocolReader.NotProxy);
        }

        var lf = window.IndexOf((byte)'\n');
        if (lf < 0)
        {
            if (window.Length >= ProxyProtocolReader.MaxV1Length)
            {
                return ProxyHeader.Invalid("PROXY v1 line longer than 107 bytes");
            }

            // A CR may only be the last byte seen so far (the first half of the CRLF).
            var cr = window.IndexOf((byte)'\r');
            return cr >= 0 && cr != window.Length - 1 ? ProxyHeader.Invalid(Malformed) : ProxyHeader.NeedMore;
        }

        if (lf < Prefix.Length + 1 || window[lf - 1] != (byte)'\r')
        {
            return ProxyHeader.Invalid(Malformed);
        }

        var line = window[Prefix.Length..(lf - 1)];
        if (line.IndexOfAny((byte)'\r', (byte)'\n') >= 0)
        {
            return ProxyHeader.Invalid(Malformed);
        }

        var consumed = lf + 1;
        var protocol = NextField(ref line);
        if (protocol.SequenceEqual("UNKNOWN"u8))
        {
            // The rest of the line is to be ignored.
            return new ProxyHeader(ProxyHeaderStatus.Unspecified, consumed, Version: 1);
        }

        var v4 = protocol.SequenceEqual("TCP4"u8);
        if (!v4 && !protocol.SequenceEqual("TCP6"u8))
        {
            return ProxyHeader.Invalid("unknown PROXY v1 protocol");
        }

        var family = v4 ? AddressFamily.InterNetwork : AddressFamily.InterNetworkV6;
        if (!TryAddress(NextField(ref line), family, out var source)
            || !TryAddress(NextField(ref line), family, out var destination)
            || !TryPort(NextField(ref line), out var sourcePort)
            || !TryPort(line, out var destinationPort))
        {
            return ProxyHeader.Invalid(Malformed);
        }

        return new ProxyHeader(
            ProxyHeaderStatus.Proxied,
            consumed,
            new IPEndPoint(ProxyAddresses.Unmap(source), sourcePort),
            new IPEndPoint(ProxyAddresses.Unmap(destination), destinationPort),
            Version: 1);
    }

    /// <summary>The bytes before the next single space (all of <paramref name="rest"/> if none), and moves past it.
    /// An empty field (two spaces) stays empty and fails its parse.</summary>
    private static ReadOnlySpan<byte> NextField(ref ReadOnlySpan<byte> rest)
    {
        var sp = rest.IndexOf((byte)' ');
        if (sp < 0)
        {
            var all = rest;
            rest = default;
            return all;
        }

        var field = rest[..sp];
        rest = rest[(sp + 1)..];
        return field;
    }

    private static bool TryAddress(ReadOnlySpan<byte> text, AddressFamily family, out IPAddress address)
    {
        address = IPAddress.None;
        return family == AddressFamily.InterNetwork ? TryIPv4(text, ref address) : TryIPv6(text, ref address);
    }

    /// <summary>Exactly four decimal numbers 0-255 without leading zeroes, separated by single dots.</summary>
    private static bool TryIPv4(ReadOnlySpan<byte> text, ref IPAddress address)
    {
        Span<byte> octets = stackalloc byte[4];
        for (var i = 0; i < 4; i++)
        {
            var dot = text.IndexOf((byte)'.');
            var part = i < 3 ? (dot < 0 ? default : text[..dot]) : text;
            if (!TryDecimal(part, 3, out var value) || value > 255)
            {
                return false;
            }

            octets[i] = (byte)value;
            text = i < 3 ? text[(dot + 1)..] : default;
        }

        address = new IPAddress(octets);
        return true;
    }

    /// <summary>Hexadecimal groups and colons (an embedded IPv4 tail allowed), parsed by <see cref="IPAddress"/> once
    /// the characters are known to be only those: no zone index, no brackets.</summary>
    private static bool TryIPv6(ReadOnlySpan<byte> text, ref IPAddress address)
    {
        const int MaxIPv6Text = 45;
        if (text.Length is < 2 or > MaxIPv6Text)
        {
            return false;
        }

        Span<char> chars = stackalloc char[MaxIPv6Text];
        for (var i = 0; i < text.Length; i++)
        {
            var b = text[i];
            if (!(char.IsAsciiHexDigit((char)b) || b == (byte)':' || b == (byte)'.'))
            {
                return false;
            }

            chars[i] = (char)b;
        }

        if (!IPAddress.TryParse(chars[..text.Length], out var parsed) || parsed.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return false;
        }

        address = parsed;
        return true;
    }

    private static bool TryPort(ReadOnlySpan<byte> text, out int port) => TryDecimal(text, 5, out port) && port <= 65535;

    /// <summary>1 to <paramref name="maxDigits"/> decimal digits, no leading zero unless the number is 0.</summary>
    private static bool TryDecimal(ReadOnlySpan<byte> text, int maxDigits, out int value)
    {
        value = 0;
        if (text.IsEmpty || text.Length > maxDigits || (text[0] == (byte)'0' && text.Length > 1))
        {
            return false;
        }

        foreach (var b in text)
        {
            if (b is < (byte)'0' or > (byte)'9')
            {
                return false;
            }

            value = (value * 10) + (b - '0');
        }

        return true;
    }
}
