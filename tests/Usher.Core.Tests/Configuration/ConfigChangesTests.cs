using Usher.Configuration;

namespace Usher.Core.Tests.Configuration;

/// <summary>What a reload sees between two configurations: listeners by name, keys as written, and what takes a
/// restart.</summary>
public sealed class ConfigChangesTests
{
    private const string Running = """
        { "Usher": {
            "Workers": 2,
            "Admin": { "Listen": "127.0.0.1:9646" },
            "Defaults": { "Keepalive": { "Idle": "00:05:00" } },
            "Listeners": [
              { "Name": "pg", "Listen": "0.0.0.0:6432", "Backend": "10.0.0.7:5432", "MaxSessionsPerIdentity": 32,
                "Overrides": { "svc-backup": 200, "batch": 5 } },
              { "Name": "mqtt", "Listen": "0.0.0.0:1883", "Backend": "10.0.0.8:1883" } ] } }
        """;

    [Fact]
    public void TheSameFileReadTwiceHasNoChange()
    {
        var changes = ConfigChanges.Between(ConfigText.Read(Running), ConfigText.Read(Running));

        Assert.True(changes.IsEmpty);
        Assert.Empty(changes.NeedsRestart);
        Assert.Empty(changes.Describe());
    }

    [Fact]
    public void ChangedKeysOfAListenerAreNamedWithTheirOldAndNewValues()
    {
        var next = Running
            .Replace("\"MaxSessionsPerIdentity\": 32", "\"MaxSessionsPerIdentity\": 10, \"IdleTimeout\": \"01:00:00\"", StringComparison.Ordinal)
            .Replace("\"svc-backup\": 200, \"batch\": 5", "\"svc-backup\": 300, \"alice\": 0", StringComparison.Ordinal);

        var changes = ConfigChanges.Between(ConfigText.Read(Running), ConfigText.Read(next));

        var pg = Assert.Single(changes.Changed);
        Assert.False(pg.Rebinds);
        Assert.Equal(
        [
            "pg: MaxSessionsPerIdentity 32 → 10",
            "pg: IdleTimeout (none) → 01:00:00",
            "pg: Overrides:alice (none) → 0",
            "pg: Overrides:batch 5 → (none)",
            "pg: Overrides:svc-backup 200 → 300",
        ], changes.Describe());
    }

    [Fact]
    public void ADefaultChangedForEveryListenerIsNamedForEach()
    {
        var next = Running.Replace("\"Idle\": \"00:05:00\"", "\"Idle\": \"00:01:00\"", StringComparison.Ordinal);

        var lines = ConfigChanges.Between(ConfigText.Read(Running), ConfigText.Read(next)).Describe();

        Assert.Equal(
        [
            "pg: Keepalive:Idle 00:05:00 → 00:01:00",
            "pg: UserTimeout 00:06:30 → 00:02:30",
            "mqtt: Keepalive:Idle 00:05:00 → 00:01:00",
            "mqtt: UserTimeout 00:06:30 → 00:02:30",
        ], lines);
    }

    [Fact]
    public void ListenersAreMatchedByNameAddedRemovedOrMoved()
    {
        var next = Running
            .Replace("\"Name\": \"mqtt\"", "\"Name\": \"imap\"", StringComparison.Ordinal)
            .Replace("0.0.0.0:6432", "0.0.0.0:6433", StringComparison.Ordinal);

        var changes = ConfigChanges.Between(ConfigText.Read(Running), ConfigText.Read(next));

        Assert.Equal("imap", Assert.Single(changes.Added).Name);
        Assert.Equal("mqtt", Assert.Single(changes.Removed).Name);
        Assert.True(Assert.Single(changes.Changed).Rebinds);
        Assert.Equal(
        [
            "listener \"imap\" added on 0.0.0.0:1883, backend 10.0.0.8:1883",
            "listener \"mqtt\" removed: no longer accepting, its 4 open session(s) go on until they end",
            "pg: Listen 0.0.0.0:6432 → 0.0.0.0:6433",
        ], changes.Describe(_ => 4));
    }

    [Fact]
    public void WorkersAdminAndLedgerNeedARestartAndAreToldWithTheValueStillInForce()
    {
        var next = Running
            .Replace("\"Workers\": 2", "\"Workers\": 4, \"Ledger\": { \"Kind\": \"InMemory\" }, \"MaxSessions\": 5000", StringComparison.Ordinal)
            .Replace("127.0.0.1:9646", "127.0.0.1:9700", StringComparison.Ordinal);

        var changes = ConfigChanges.Between(ConfigText.Read(Running), ConfigText.Read(next));

        Assert.False(changes.IsEmpty);
        Assert.Equal(
        [
            "MaxSessions (from the file-descriptor limit) → 5000",
            "Workers 2 → 4 needs a restart (still 2)",
            "Admin:Listen 127.0.0.1:9646 → 127.0.0.1:9700 needs a restart (still 127.0.0.1:9646)",
            "Ledger:Kind (none) → InMemory needs a restart (still (none))",
        ], changes.Describe());
    }
}
