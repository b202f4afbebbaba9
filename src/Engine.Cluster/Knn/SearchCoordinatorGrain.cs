using Engine.Search;
using Engine.Search.Sharding;
using Orleans.Concurrency;

namespace Engine.Cluster.Knn;

/// <inheritdoc cref="ISearchCoordinatorGrain"/>
/// <remarks>
/// A stateless worker: it runs on the silo the client's call arrives at, as many at once as calls come. Each
/// activation keeps the catalog it read last and reads it again only when membership changes or a batch fails on
/// it (a shard moved, the index was removed or loaded again): a batch costs no catalog calls while the cluster is
/// steady, and the answer is never computed from a catalog that a failure has shown stale.
/// </remarks>
[StatelessWorker]
internal sealed class SearchCoordinatorGrain(IClusterMembershipService membership) : Grain, ISearchCoordinatorGrain
{
    private ClusterCatalog? _catalog;
    private MembershipVersion _catalogVersion;

    public async Task<ShardHits> Search(SearchRequest request)
    {
        string index = this.GetPrimaryKeyString();
        var catalog = _catalog is not null && _catalogVersion == membership.CurrentSnapshot.Version ? _catalog : null;
        if (catalog is not null)
        {
            try
            {
                return await Search(index, catalog, request);
            }
            catch (Exception e) when (e is ClusterException or ArgumentException)
            {
                // Stale or not, the fresh catalog decides: the same catalog gives the same answer, so fail with it.
                var fresh = await Read();
                if (Same(fresh, catalog))
                    throw;
                return await Search(index, fresh, request);
            }
        }
        return await Search(index, await Read(), request);
    }

    /// <summary>Reads the catalog and keeps it if every active silo answered (one that did not may be back by the next batch).</summary>
    private async Task<ClusterCatalog> Read()
    {
        var version = membership.CurrentSnapshot.Version;
        var catalog = await ClusterCatalog.ReadAsync(GrainFactory);
        (_catalog, _catalogVersion) = catalog.Unreachable.Length == 0 ? (catalog, version) : (null, default);
        return catalog;
    }

    private static bool Same(ClusterCatalog a, ClusterCatalog b) =>
        a.Silos.SequenceEqual(b.Silos) && a.Shards.SequenceEqual(b.Shards) && a.Unreachable.SequenceEqual(b.Unreachable);

    private async Task<ShardHits> Search(string index, ClusterCatalog catalog, SearchRequest request)
    {
        var replicas = catalog.ShardsOf(index);
        if (replicas.Count == 0)
            throw new ClusterException($"index {index} is not loaded in the cluster (or every silo holding it is down); engine cluster status lists the loaded indexes.");
        var first = replicas[0];
        if (replicas.Any(m => m.Load != first.Load))
            throw new ClusterException($"index {index} has shards of two loads on the silos (a silo kept an old copy while the index was removed); remove it and load it again.");
        if (request.Dimension != first.Dimension)
            throw new ArgumentException($"the queries have dimension {request.Dimension} but index {index} has {first.Dimension}; they must match.");
        if (request.K < 1 || request.K > CosineIndex.MaxK)
            throw new ArgumentException($"-k {request.K} is out of range; it must be in [1, {CosineIndex.MaxK}].");
        var results = await Task.WhenAll(Enumerable.Range(0, first.Shards)
            .Select(shard => SearchShard(index, shard, replicas.Where(m => m.Shard == shard).OrderBy(m => m.Replica).ToArray(), request)));
        return ShardHits.From(ShardResultMerge.Merge(results, request.K));
    }

    /// <summary>Asks the shard's replicas in order until one answers within the timeout.</summary>
    private async Task<SearchResult> SearchShard(string index, int shard, ShardManifest[] replicas, SearchRequest request)
    {
        var failures = new List<string>();
        foreach (var replica in replicas)
        {
            try
            {
                var grain = GrainFactory.GetGrain<IIndexShardGrain>(IndexShardGrain.Key(index, shard, replica.Silo));
                return (await grain.Search(request.Queries, request.K, replica.Load).WaitAsync(request.ShardTimeout)).ToResult();
            }
            catch (Exception e) when (e is not ArgumentException)
            {
                failures.Add($"{replica.Silo}: {(e is TimeoutException ? $"no answer within {request.ShardTimeout.TotalSeconds:0.#} s" : ClusterException.FirstLine(e))}");
            }
        }
        throw new ClusterException(failures.Count == 0
            ? $"shard {shard} of index {index} is unavailable: no live silo holds a replica of it."
            : $"shard {shard} of index {index} is unavailable: every replica failed ({string.Join("; ", failures)}).");
    }
}
