using Engine.Cluster.Hosting;
using Engine.Cluster.Knn;
using Engine.Search;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Hosting;
using Orleans.Runtime;
using Orleans.TestingHost;

namespace Engine.Cluster.Tests;

/// <summary>The kNN grains on three silos in this process (Orleans' TestingHost).</summary>
public sealed class InProcessClusterTests
{
    /// <summary>The silos' data directories of the running test (the configurator is made by TestingHost, without arguments).</summary>
    private static string? _dataRoot;

    [Fact]
    public async Task Sharded_search_equals_one_machine_and_fails_over_or_names_the_lost_shard()
    {
        var db = ClusterTestData.Read("random_db");
        var queries = ClusterTestData.Read("random_queries");
        using var whole = new CosineIndex(db.Dimension, normalize: true);
        whole.Add(db.Data);
        var expected = whole.Search(queries.Data, 10);

        using var rows = DatabaseRows.FromArray(db.Data, db.Dimension);
        using var data = new TempFolder();
        _dataRoot = data.Path;
        TestCluster? cluster = await Deploy();
        try
        {
            var grains = cluster.Client;
            // "two" streams from the memory-mapped file; "one" from memory in messages of 7 rows, so shards end mid-message.
            IReadOnlyList<ShardManifest> placed;
            using (var mapped = DatabaseRows.Open(ClusterTestData.PathOf("random_db")))
                placed = await ClusterIndex.LoadAsync(grains, "two", mapped, normalize: true, shards: 3, replicas: 2);
            await ClusterIndex.LoadAsync(grains, "one", rows, normalize: true, shards: 3, replicas: 1, messageBytes: 7 * db.Dimension * sizeof(float));
            // Replicas of a shard are on different silos, and every silo holds some shard.
            Assert.All(placed.GroupBy(m => m.Shard), g => Assert.Equal(2, g.Select(m => m.Silo).Distinct().Count()));
            Assert.Equal(3, placed.Select(m => m.Silo).Distinct().Count());
            AssertSame(expected, await ClusterIndex.SearchAsync(grains, "two", queries.Data, queries.Dimension, 10, TimeSpan.FromSeconds(30)));

            await Assert.ThrowsAsync<ArgumentException>(() => ClusterIndex.LoadAsync(grains, "two", rows, true, 3, 1));
            await Assert.ThrowsAsync<ArgumentException>(() => ClusterIndex.LoadAsync(grains, "four", rows, true, 3, 4));

            var victim = cluster.SecondarySilos[0];
            string lost = victim.SiloAddress.Endpoint.ToString();
            int lostShard = (await ClusterCatalog.ReadAsync(grains)).ShardsOf("one").Single(m => m.Silo == lost).Shard;
            await cluster.KillSiloAsync(victim);

            AssertSame(expected, await ClusterIndex.SearchAsync(grains, "two", queries.Data, queries.Dimension, 10, TimeSpan.FromSeconds(30)));
            var failure = await Assert.ThrowsAsync<ClusterException>(() => ClusterIndex.SearchAsync(grains, "one", queries.Data, queries.Dimension, 10, TimeSpan.FromSeconds(30)));
            Assert.StartsWith($"shard {lostShard} of index one is unavailable", failure.Message);
            await Assert.ThrowsAsync<ClusterException>(() => ClusterIndex.SearchAsync(grains, "absent", queries.Data, queries.Dimension, 10, TimeSpan.FromSeconds(30)));

            // The whole cluster stopped and started again: new silos, nothing in memory, the same data directories.
            var stopping = cluster;
            cluster = null;
            await Stop(stopping);
            cluster = await Deploy();
            var restarted = await ClusterCatalog.ReadAsync(cluster.Client);
            Assert.Equal(9, restarted.Shards.Length);
            AssertSame(expected, await ClusterIndex.SearchAsync(cluster.Client, "two", queries.Data, queries.Dimension, 10, TimeSpan.FromSeconds(30)));
            AssertSame(expected, await ClusterIndex.SearchAsync(cluster.Client, "one", queries.Data, queries.Dimension, 10, TimeSpan.FromSeconds(30)));

            // Removed from every silo's memory and --data; the coordinators' cached catalogs are found stale, not used.
            var removed = await ClusterIndex.RemoveAsync(cluster.Client, "one");
            Assert.Equal([0, 1, 2], removed.Select(m => m.Shard));
            Assert.Empty((await ClusterCatalog.ReadAsync(cluster.Client)).ShardsOf("one"));
            Assert.DoesNotContain(Directory.EnumerateFiles(data.Path, "*", SearchOption.AllDirectories), f => f.Contains($"{Path.DirectorySeparatorChar}one{Path.DirectorySeparatorChar}", StringComparison.Ordinal));
            var notLoaded = await Assert.ThrowsAsync<ClusterException>(() => ClusterIndex.SearchAsync(cluster.Client, "one", queries.Data, queries.Dimension, 10, TimeSpan.FromSeconds(30)));
            Assert.StartsWith("index one is not loaded", notLoaded.Message);
            await Assert.ThrowsAsync<ClusterException>(() => ClusterIndex.RemoveAsync(cluster.Client, "one"));
            // Loaded again under the same name with more shards, while a coordinator may still hold the 3-shard catalog.
            await ClusterIndex.SearchAsync(cluster.Client, "two", queries.Data, queries.Dimension, 10, TimeSpan.FromSeconds(30));
            await ClusterIndex.RemoveAsync(cluster.Client, "two");
            await ClusterIndex.LoadAsync(cluster.Client, "two", rows, normalize: true, shards: 4, replicas: 1);
            AssertSame(expected, await ClusterIndex.SearchAsync(cluster.Client, "two", queries.Data, queries.Dimension, 10, TimeSpan.FromSeconds(30)));
        }
        finally
        {
            if (cluster is not null)
                await Stop(cluster);
        }
    }

    /// <summary>Three silos named Primary, Secondary_1 and Secondary_2, each with its data directory under <see cref="_dataRoot"/>.</summary>
    private static async Task<TestCluster> Deploy()
    {
        var cluster = new TestClusterBuilder(3).AddSiloBuilderConfigurator<SiloConfigurator>().Build();
        await cluster.DeployAsync();
        return cluster;
    }

    private static async Task Stop(TestCluster cluster)
    {
        await cluster.StopAllSilosAsync();
        await cluster.DisposeAsync();
    }

    private static void AssertSame(SearchResult expected, SearchResult actual)
    {
        Assert.Equal(expected.Ids, actual.Ids);
        Assert.Equal(expected.Scores.Select(BitConverter.SingleToInt32Bits), actual.Scores.Select(BitConverter.SingleToInt32Bits));
    }

    private sealed class SiloConfigurator : ISiloConfigurator
    {
        public void Configure(ISiloBuilder silo)
        {
            EngineSilo.ConfigureEngine(silo);
            silo.Services.AddSingleton(services => new SiloData(Path.Combine(_dataRoot!, services.GetRequiredService<ILocalSiloDetails>().Name)));
        }
    }
}
