using Engine.Search;
using Engine.Search.Sharding;
using Orleans.Concurrency;

namespace Engine.Cluster.Knn;

/// <inheritdoc cref="ISearchCoordinatorGrain"/>
/// <remarks>A stateless worker: it runs on the silo the client's call arrives at, as many at once as calls come.</remarks>
[StatelessWorker]
internal sealed class SearchCoordinatorGrain : Grain, ISearchCoordinatorGrain
{
    public async Task<ShardHits> Search(SearchRequest request)
    {
        string index = this.GetPrimaryKeyString();
        var catalog = await ClusterCatalog.ReadAsync(GrainFactory);
        var replicas = catalog.ShardsOf(index);
        if (replicas.Count == 0)
            throw new ClusterException($"index {index} is not loaded in the cluster (or every silo holding it is down); engine cluster status lists the loaded indexes.");
        var first = replicas[0];
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
                return (await grain.Search(request.Queries, request.K).WaitAsync(request.ShardTimeout)).ToResult();
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
