using Usher.Testing;

namespace Usher.EndToEnd.Tests.Mqtt;

/// <summary>A mosquitto broker that lets in only the users of its password file (<c>mosquitto_passwd -b</c>):
/// <see cref="User"/> with <see cref="Password"/>; anyone else gets CONNACK 5 (not authorized).</summary>
public sealed class PasswordMosquittoBroker : MosquittoBroker
{
    /// <summary>The one user.</summary>
    public const string User = "device";

    /// <summary>Its password.</summary>
    public const string Password = "Device-Pw-3";

    /// <inheritdoc />
    private protected override async Task<string[]> AccessAsync(ScratchDirectory scratch)
    {
        var passwords = scratch.File("passwords");
        var made = await RunningProcess.RunAsync(Tools.Find("mosquitto_passwd"), ["-b", "-c", passwords, User, Password], TimeSpan.FromSeconds(30));
        if (made.ExitCode != 0)
        {
            throw new InvalidOperationException($"mosquitto_passwd failed: {made}");
        }

        return ["allow_anonymous false", $"password_file {passwords}"];
    }
}
