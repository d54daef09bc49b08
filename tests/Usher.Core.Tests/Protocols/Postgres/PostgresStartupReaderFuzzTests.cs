using Usher.Core.Tests.Protocols.Support;
using Usher.Protocols;
using Usher.Protocols.Postgres;

namespace Usher.Core.Tests.Protocols.Postgres;

public sealed class PostgresStartupReaderFuzzTests
{
    private static readonly byte[][] Seeds =
    [
        Captured.PsqlStartup,
        Captured.PsqlSslRequestThenStartup,
        StartupMessages.GssEncRequest,
        StartupMessages.CancelRequest(32),
        StartupMessages.Startup(196610, "user", "bob", "database", "x", "replication", "database"),
    ];

    [Fact]
    public void Survives100000MutatedAndRandomInputsWithConsistentAnswers()
    {
        var reader = new PostgresStartupReader();
        Fuzz.Run(seed: 3003, Seeds, input =>
        {
            var result = reader.Read(input);
            ResultChecks.Consistent(result, input.Length);
            var startup = reader.ReadStartup(input);
            ResultChecks.Check(startup.ToHandshakeResult() == result, "ReadStartup to agree with Read", startup);
            ResultChecks.Check(startup.Status != HandshakeStatus.Identified || startup.Database is { Length: > 0 }, "a database when identified", startup);
        });
    }
}
