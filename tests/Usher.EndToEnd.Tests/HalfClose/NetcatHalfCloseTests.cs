using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using Usher.Diagnostics;
using Usher.Sessions;
using Usher.Testing;

namespace Usher.EndToEnd.Tests.HalfClose;

/// <summary>netcat (<c>nc -N</c>: shut down the sending side at the end of its input) through Usher to a backend
/// that reads to the end before it answers, as a checksum or upload service does: the answer comes back because the
/// client's FIN is passed on while the backend's direction goes on.</summary>
public sealed class NetcatHalfCloseTests
{
    private const string Netcat = "/bin/nc.openbsd";

    /// <summary>Reads each connection to its end, answers "sha256 HEX" and closes.</summary>
    private const string ChecksumServer = """
        import hashlib, socket, threading
        listener = socket.create_server(("127.0.0.1", 0))
        print("listening", listener.getsockname()[1], flush=True)
        def serve(conn):
            with conn:
                digest = hashlib.sha256()
                while chunk := conn.recv(65536):
                    digest.update(chunk)
                conn.sendall(("sha256 " + digest.hexdigest() + "\n").encode())
        while True:
            conn, _ = listener.accept()
            threading.Thread(target=serve, args=(conn,), daemon=True).start()
        """;

    [Fact]
    public async Task Nc_N_uploads_a_megabyte_half_closes_and_gets_the_checksum_the_backend_sends_after_the_end()
    {
        await using var backend = await StartChecksumServerAsync();
        await using var gateway = TestGateway.Start(TestGateway.Listener(backend.EndPoint));
        using var upload = new TempUpload(1024 * 1024);

        var nc = await NetcatAsync(gateway, upload.Path);

        Assert.True(nc.ExitCode == 0, nc.ToString());
        Assert.Equal($"sha256 {upload.Sha256}", nc.Output.Trim());
        var closed = await gateway.Logs.WaitForAsync(UsherEvents.SessionClosed, EndToEnd.Soon);
        Assert.Equal(CloseReason.ClientClosed, closed["CloseReason"]);
        Assert.Equal((long)upload.Length, closed["BytesFromClient"]);
        Assert.Equal(0, gateway.Gateway.Ledger.Total);
    }

    [Fact]
    public async Task With_HalfClose_false_the_FIN_ends_the_session_and_nc_gets_no_answer()
    {
        await using var backend = await StartChecksumServerAsync();
        await using var gateway = TestGateway.Start(TestGateway.Listener(backend.EndPoint).With(halfClose: false));
        using var upload = new TempUpload(1024);

        var nc = await NetcatAsync(gateway, upload.Path);

        Assert.Equal("", nc.Output.Trim());
        var closed = await gateway.Logs.WaitForAsync(UsherEvents.SessionClosed, EndToEnd.Soon);
        Assert.Equal(CloseReason.ClientClosed, closed["CloseReason"]);
    }

    private static Task<ProcessResult> NetcatAsync(TestGateway gateway, string file) =>
        RunningProcess.RunAsync(Tools.Find("sh"),
            ["-c", $"{Netcat} -N {gateway.EndPoint.Address} {gateway.EndPoint.Port} < '{file}'"], EndToEnd.Soon);

    private static async Task<Backend> StartChecksumServerAsync()
    {
        var process = RunningProcess.Start(Tools.Find("python3"), ["-c", ChecksumServer]);
        var line = await process.WaitForLineAsync(l => l.StartsWith("listening ", StringComparison.Ordinal), EndToEnd.Soon);
        var port = int.Parse(line["listening ".Length..], CultureInfo.InvariantCulture);
        return new Backend(process, new IPEndPoint(IPAddress.Loopback, port));
    }

    private sealed record Backend(RunningProcess Process, IPEndPoint EndPoint) : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => Process.DisposeAsync();
    }

    /// <summary>A file of random bytes and its checksum.</summary>
    private sealed class TempUpload : IDisposable
    {
        public TempUpload(int length)
        {
            Length = length;
            Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"usher-e2e-upload-{Guid.NewGuid():N}");
            var bytes = RandomNumberGenerator.GetBytes(length);
            File.WriteAllBytes(Path, bytes);
            Sha256 = Convert.ToHexStringLower(SHA256.HashData(bytes));
        }

        public int Length { get; }

        public string Path { get; }

        public string Sha256 { get; }

        public void Dispose() => File.Delete(Path);
    }
}
