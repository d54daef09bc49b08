namespace Usher.EndToEnd.Tests.Redis;

/// <summary><see cref="SentinelFailover"/> with FailMode Closed.</summary>
public sealed class SentinelFailoverFailClosedTests(RedisSentinelSet redis) : SentinelFailover(redis, "Closed"), IClassFixture<RedisSentinelSet>;
