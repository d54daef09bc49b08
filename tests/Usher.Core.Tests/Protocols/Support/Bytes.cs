using System.Text;

namespace Usher.Core.Tests.Protocols.Support;

internal static class Bytes
{
    public static byte[] Ascii(string text) => Encoding.Latin1.GetBytes(text);

    public static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    public static byte[] Concat(params byte[][] parts) => parts.SelectMany(p => p).ToArray();

    public static string Base64(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text));
}
