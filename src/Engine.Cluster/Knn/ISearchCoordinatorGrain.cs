namespace Engine.Cluster.Knn;

/// <summary>Searches one index (the grain's key): fans a batch out to one replica of each shard and merges the results exactly.</summary>
public interface ISearchCoordinatorGrain : IGrainWithStringKey
{
    /// <summary>The whole index's top k of each query, equal to a single-machine search bit for bit.</summary>
    /// <exception cref="ClusterException">The index is not loaded, or a shard has no replica that answers.</exception>
    Task<ShardHits> Search(SearchRequest request);
}
