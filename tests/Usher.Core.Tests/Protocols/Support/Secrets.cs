using System.Text;

namespace Usher.Core.Tests.Protocols.Support;

/// <summary>A planted password and the check that it never shows in anything a reader returns.</summary>
internal static class Secrets
{
    /// <summary>Unique enough to never occur by chance.</summary>
    public const string Password = "Zq9-Planted-Secret-7731";

    /// <summary>The password and its encodings that could leak (base64 of the whole credential is checked by the
    /// callers that build one).</summary>
    public static IEnumerable<string> Forms(string password)
    {
        yield return password;
        yield return password[..12];
        yield return Convert.ToBase64String(Encoding.UTF8.GetBytes(password));
        yield return Convert.ToHexString(Encoding.UTF8.GetBytes(password));
    }

    /// <summary>Asserts that no field of <paramref name="result"/> (a record: its ToString prints every field) nor
    /// any of <paramref name="extra"/> holds the password.</summary>
    public static void AssertAbsent(object result, string password = Password, params string?[] extra)
    {
        var texts = new List<string?>(extra) { result.ToString() };
        foreach (var property in result.GetType().GetProperties())
        {
            var value = property.GetValue(result);
            texts.Add(value switch
            {
                ReadOnlyMemory<byte> bytes => Encoding.Latin1.GetString(bytes.Span),
                _ => value?.ToString(),
            });
        }

        foreach (var text in texts.Where(t => t is not null))
        {
            foreach (var form in Forms(password))
            {
                Assert.DoesNotContain(form, text!, StringComparison.OrdinalIgnoreCase);
            }
        }
    }
}
