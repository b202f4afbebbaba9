using Engine.Search;
using Engine.Search.Sharding;

namespace Engine.Cluster.Knn;

/// <summary>Loads an index into the cluster and searches it: what <c>engine cluster index</c> and <c>engine knn --cluster</c> do.</summary>
public static class ClusterIndex
{
    /// <summary>
    /// Bytes of rows per upload message and of queries or results per search batch: far below
    /// <see cref="Hosting.EngineSilo.MaxMessageBodyBytes"/>, and small enough that a silo never holds a second copy
    /// of a large shard in transit.
    /// </summary>
    public const int MessageBytes = 16 << 20;

    /// <summary>Names are file names under every silo's <c>--data</c>: letters, digits, '.', '_' and '-'.</summary>
    public static void CheckName(string name)
    {
        if (name.Length is 0 or > 100 || name[0] == '.' || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-'))
            throw new ArgumentException($"--name {name} is not an index name: 1–100 letters, digits, '.', '_' or '-', not starting with '.'.");
    }

    /// <summary>
    /// Splits <paramref name="rows"/> into <paramref name="shards"/> row ranges and saves each on
    /// <paramref name="replicas"/> different silos: replica r of shard s on the (s + r)-th silo (mod the silo count),
    /// so shards and first replicas spread evenly.
    /// </summary>
    /// <returns>The manifests of the replicas saved.</returns>
    /// <exception cref="ArgumentException">The name is taken or malformed, the counts are out of range, or the cluster has fewer silos than replicas.</exception>
    public static async Task<IReadOnlyList<ShardManifest>> LoadAsync(IGrainFactory grains, string name, float[] rows, int dimension, bool normalize,
        int shards, int replicas, IProgress<long>? progress = null)
    {
        CheckName(name);
        long count = rows.LongLength / dimension;
        if (shards < 1 || shards > count)
            throw new ArgumentException($"--shards {shards} is out of range; it must be in [1, {count}] (every shard holds at least one of the {count} rows).");
        var catalog = await ClusterCatalog.ReadAsync(grains);
        if (replicas < 1 || replicas > catalog.Silos.Length)
            throw new ArgumentException($"--replicas {replicas} is out of range; it must be in [1, {catalog.Silos.Length}]: replicas of a shard live on different silos and the cluster has {catalog.Silos.Length}.");
        if (catalog.ShardsOf(name).Count > 0)
            throw new ArgumentException($"index {name} is already loaded in the cluster; choose another --name.");
        if (normalize)
            CheckNormalizable(rows, dimension);

        var saved = new List<ShardManifest>();
        int rowsPerMessage = Math.Max(1, MessageBytes / (dimension * sizeof(float)));
        long sent = 0;
        foreach (var range in IndexSharding.RowRanges(count, shards))
        {
            for (int replica = 0; replica < replicas; replica++)
            {
                string silo = catalog.Silos[(range.Shard + replica) % catalog.Silos.Length].Endpoint;
                var manifest = new ShardManifest
                {
                    Index = name, Shard = range.Shard, Shards = shards, Replica = replica, Replicas = replicas,
                    Start = range.Start, Rows = range.Count, TotalRows = count, Dimension = dimension, Normalize = normalize, Silo = silo,
                };
                var grain = grains.GetGrain<IIndexShardGrain>(IndexShardGrain.Key(name, range.Shard, silo));
                await grain.Create(manifest);
                for (long at = 0; at < range.Count; at += rowsPerMessage)
                {
                    int n = (int)Math.Min(rowsPerMessage, range.Count - at);
                    long first = range.Start + at;
                    var ids = new long[n];
                    for (int i = 0; i < n; i++)
                        ids[i] = first + i;
                    await grain.Append(rows.AsSpan((int)(first * dimension), n * dimension).ToArray(), ids);
                    progress?.Report(sent += n);
                }
                await grain.Commit();
                saved.Add(manifest);
            }
        }
        return saved;
    }

    /// <summary>
    /// Searches index <paramref name="name"/> in batches of queries (see <see cref="MessageBytes"/>) through the
    /// search coordinator: ids and scores equal to <see cref="CosineIndex.Search"/> on the whole database.
    /// </summary>
    /// <exception cref="ClusterException">The index is not loaded, or a shard has no replica that answers.</exception>
    public static async Task<SearchResult> SearchAsync(IGrainFactory grains, string name, float[] queries, int dimension, int k,
        TimeSpan shardTimeout, IProgress<long>? progress = null)
    {
        int count = queries.Length / dimension;
        var scores = new float[(long)count * k];
        var ids = new long[(long)count * k];
        int batch = Math.Max(1, MessageBytes / Math.Max(dimension * sizeof(float), k * (sizeof(float) + sizeof(long))));
        var coordinator = grains.GetGrain<ISearchCoordinatorGrain>(name);
        for (int start = 0; start < count; start += batch)
        {
            int n = Math.Min(batch, count - start);
            var hits = await coordinator.Search(new SearchRequest
            {
                Queries = queries.AsSpan(start * dimension, n * dimension).ToArray(), Dimension = dimension, K = k, ShardTimeout = shardTimeout,
            });
            hits.Scores.CopyTo(scores, (long)start * k);
            hits.Ids.CopyTo(ids, (long)start * k);
            progress?.Report(start + n);
        }
        return new SearchResult(scores, ids, count, k);
    }

    /// <summary>Fails before any upload when a row cannot be normalized, naming the row (as the single-machine index does).</summary>
    private static void CheckNormalizable(float[] rows, int dimension)
    {
        var copy = new float[dimension];
        for (long r = 0; r < rows.LongLength / dimension; r++)
        {
            rows.AsSpan((int)(r * dimension), dimension).CopyTo(copy);
            try
            {
                CosineIndex.NormalizeL2(copy, dimension);
            }
            catch (ArgumentException)
            {
                throw new ArgumentException($"database row {r} is all zeros or not finite and cannot be L2-normalized.");
            }
        }
    }
}
