namespace Engine.Cluster.Knn;

/// <summary>
/// One replica of one index shard, held in memory as a <c>CosineIndex</c> on the silo its key names
/// (<c>INDEX/SHARD@HOST:PORT</c>, see <see cref="Placement.SiloEndpointPlacement"/>) and saved under the silo's
/// <c>--data</c>. Loading: <see cref="Create"/>, <see cref="Append"/> until every row is in, <see cref="Commit"/>.
/// </summary>
public interface IIndexShardGrain : IGrainWithStringKey
{
    /// <summary>Starts an empty shard described by <paramref name="manifest"/>, dropping any unsaved rows.</summary>
    Task Create(ShardManifest manifest);

    /// <summary>Adds rows (row-major) with their ids (positions in the whole index).</summary>
    Task Append(float[] rows, long[] ids);

    /// <summary>Saves the shard (index file, then manifest) once it holds all its rows; from then on it searches.</summary>
    Task Commit();

    /// <summary>The shard's top k of each query, best first.</summary>
    /// <param name="queries">Row-major queries.</param>
    /// <param name="k">Results per query.</param>
    /// <param name="load">The <see cref="ShardManifest.Load"/> the caller expects: a shard of another load (the index was removed and loaded again) refuses, so a stale catalog never mixes loads.</param>
    /// <exception cref="ClusterException">The shard is not loaded, or holds another load.</exception>
    [Orleans.Concurrency.ReadOnly]
    Task<ShardHits> Search(float[] queries, int k, string load);

    /// <summary>Forgets the shard's rows and lets the grain go (its files are deleted by <see cref="ISiloIndexesGrain.Remove"/> first).</summary>
    Task Drop();
}
