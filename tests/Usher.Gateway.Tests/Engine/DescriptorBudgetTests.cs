using Usher.Gateway.Engine;

namespace Usher.Gateway.Tests.Engine;

/// <summary>The descriptor budget's arithmetic, with the process's descriptors counted by a stand-in.</summary>
public sealed class DescriptorBudgetTests
{
    [Fact]
    public void The_budget_is_the_limit_less_the_reserve_and_what_the_rest_of_the_process_holds()
    {
        var budget = new DescriptorBudget(1024, () => 200);
        Assert.Equal(32 + DescriptorBudget.AdminBeyondBudget, budget.Reserve);
        Assert.Equal(200, budget.Others);
        Assert.Equal(1024 - 40 - 200, budget.Capacity);
    }

    [Fact]
    public void A_connection_takes_two_descriptors_and_none_is_taken_past_the_budget()
    {
        var budget = new DescriptorBudget(256, () => 226);
        Assert.Equal(6, budget.Capacity);
        Assert.True(budget.TryTakeConnection());
        Assert.True(budget.TryTakeConnection());
        Assert.True(budget.TryTakeConnection());
        Assert.False(budget.TryTakeConnection());
        Assert.Equal(6, budget.Held);
        budget.ReleaseConnection(backendOpened: false);
        Assert.True(budget.TryTakeConnection());
        Assert.False(budget.TryTake(2));
    }

    [Fact]
    public void A_measurement_sets_aside_what_the_runtime_opened_since_and_not_the_gateways_own_descriptors()
    {
        var open = 100;
        var budget = new DescriptorBudget(1024, () => open);
        var first = budget.Capacity;

        // Two connections: one in its handshake (one descriptor open, its backend's promised), one connected (two open).
        Assert.True(budget.TryTakeConnection());
        Assert.True(budget.TryTakeConnection());
        budget.BackendOpened();
        open += 3;
        budget.Refresh();
        Assert.Equal(100, budget.Others);
        Assert.Equal(first, budget.Capacity);

        // The runtime loads assemblies: they are set aside at the next measurement.
        open += 25;
        budget.Refresh();
        Assert.Equal(125, budget.Others);
        Assert.Equal(first - 25, budget.Capacity);

        budget.ReleaseConnection(backendOpened: true);
        budget.ReleaseConnection(backendOpened: false);
        open -= 3;
        budget.Refresh();
        Assert.Equal(0, budget.Held);
        Assert.Equal(125, budget.Others);
    }

    [Fact]
    public void The_admin_endpoint_gets_a_few_connections_beyond_a_spent_budget_and_no_more()
    {
        var budget = new DescriptorBudget(256, () => 232);
        Assert.Equal(0, budget.Capacity);
        for (var i = 0; i < DescriptorBudget.AdminBeyondBudget; i++)
        {
            Assert.True(budget.TryTakeAdmin(out var beyond));
            Assert.True(beyond);
        }

        Assert.False(budget.TryTakeAdmin(out _));
        budget.ReleaseAdmin(beyond: true);
        Assert.True(budget.TryTakeAdmin(out _));
    }

    [Fact]
    public void Without_a_known_limit_nothing_is_refused()
    {
        var budget = new DescriptorBudget(null, () => null);
        for (var i = 0; i < 10_000; i++)
        {
            Assert.True(budget.TryTakeConnection());
        }
    }

    [Theory]
    [InlineData(256L, 24)]
    [InlineData(4096L, 136)]
    [InlineData(1_048_576L, 264)]
    public void The_reserve_is_a_thirty_second_of_the_limit_within_bounds_plus_the_admin_connections(long limit, int reserve) =>
        Assert.Equal(reserve, DescriptorBudget.ReserveFor(limit));
}
