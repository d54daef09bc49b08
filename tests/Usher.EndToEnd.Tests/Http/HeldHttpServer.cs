using System.Net;
using Usher.Testing;

namespace Usher.EndToEnd.Tests.Http;

/// <summary>A small HTTP/1.1 server in python3 (<c>http.server</c>, a thread per connection, keep-alive): <c>GET /</c>
/// answers at once; <c>GET /hold/NAME</c> sends its status line and header at once but its body only once the test
/// releases NAME (or after a minute), so the connection and its session stay open as long as the test needs (and a
/// Basic-auth user is confirmed by the 200 before the body). Answers name the <c>X-User</c> header and the Basic-auth
/// user it received: <c>hello USER /PATH</c>; Basic credentials whose password starts with <c>wrong</c> get
/// <c>401 Unauthorized</c>. Needs <c>python3</c>.</summary>
public sealed class HeldHttpServer : IAsyncLifetime
{
    private const string Script = """
        import base64, os, sys, time, http.server

        folder = sys.argv[1]

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self):
                user = self.headers.get("X-User")
                password = ""
                authorization = self.headers.get("Authorization", "")
                if user is None and authorization.startswith("Basic "):
                    user, _, password = base64.b64decode(authorization[6:]).decode().partition(":")
                if password.startswith("wrong"):
                    body = b"wrong password\n"
                    self.send_response(401)
                    self.send_header("WWW-Authenticate", 'Basic realm="held"')
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                    return
                body = ("hello %s %s\n" % (user, self.path)).encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.flush()
                if self.path.startswith("/hold/"):
                    released = os.path.join(folder, "release-" + os.path.basename(self.path))
                    deadline = time.monotonic() + 60
                    while not os.path.exists(released) and time.monotonic() < deadline:
                        time.sleep(0.05)
                self.wfile.write(body)

            def log_message(self, format, *args):
                pass

        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        print("listening %d" % server.server_address[1], flush=True)
        server.serve_forever()
        """;

    private ScratchDirectory? _scratch;
    private RunningProcess? _server;

    /// <summary>Where the server listens.</summary>
    public IPEndPoint EndPoint { get; private set; } = new(IPAddress.Loopback, 0);

    /// <summary>Lets the held request <paramref name="name"/> be answered.</summary>
    public void Release(string name) => File.WriteAllText(_scratch!.File($"release-{name}"), string.Empty);

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        _scratch = ScratchDirectory.Create("http");
        var script = _scratch.File("held_http_server.py");
        await File.WriteAllTextAsync(script, Script);
        _server = RunningProcess.Start(Tools.Find("python3"), ["-u", script, _scratch.Path]);
        var listening = await _server.WaitForLineAsync(l => l.StartsWith("listening ", StringComparison.Ordinal), EndToEnd.Soon);
        EndPoint = new IPEndPoint(IPAddress.Loopback, int.Parse(listening["listening ".Length..], System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        _scratch?.Dispose();
    }
}
