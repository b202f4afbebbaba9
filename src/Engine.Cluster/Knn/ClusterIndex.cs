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
    /// so shards and first replicas spread evenly. The rows are read once, a message at a time, and each message
    /// goes to every replica of its shard, so the caller holds one message of rows whatever the database's size.
    /// </summary>
    /// <param name="grains">The cluster.</param>
    /// <param name="name">The index's name.</param>
    /// <param name="rows">The database; its rows must pass <see cref="CheckRows(DatabaseRows, bool, string)"/> (a bad row fails its shard's upload).</param>
    /// <param name="normalize">Whether the silos L2-normalize the rows (and the queries at search time).</param>
    /// <param name="shards">Row-range shards.</param>
    /// <param name="replicas">Copies of each shard, on different silos.</param>
    /// <param name="progress">Receives the running count of rows saved, counting each replica.</param>
    /// <param name="messageBytes">The most bytes of rows in one upload message (at least one row is sent).</param>
    /// <returns>The manifests of the replicas saved.</returns>
    /// <exception cref="ArgumentException">The name is taken or malformed, the counts are out of range, or the cluster has fewer silos than replicas.</exception>
    public static async Task<IReadOnlyList<ShardManifest>> LoadAsync(IGrainFactory grains, string name, DatabaseRows rows, bool normalize,
        int shards, int replicas, IProgress<long>? progress = null, int messageBytes = MessageBytes)
    {
        CheckName(name);
        long count = rows.Rows;
        int dimension = rows.Dimension;
        if (shards < 1 || shards > count)
            throw new ArgumentException($"--shards {shards} is out of range; it must be in [1, {count}] (every shard holds at least one of the {count} rows).");
        var catalog = await ClusterCatalog.ReadAsync(grains);
        if (replicas < 1 || replicas > catalog.Silos.Length)
            throw new ArgumentException($"--replicas {replicas} is out of range; it must be in [1, {catalog.Silos.Length}]: replicas of a shard live on different silos and the cluster has {catalog.Silos.Length}.");
        if (catalog.ShardsOf(name).Count > 0)
            throw new ArgumentException($"index {name} is already loaded in the cluster; choose another --name.");

        var saved = new List<ShardManifest>();
        string load = Guid.NewGuid().ToString("N");
        int rowsPerMessage = RowsPer(messageBytes, dimension);
        long sent = 0;
        foreach (var range in IndexSharding.RowRanges(count, shards))
        {
            var manifests = Enumerable.Range(0, replicas).Select(replica => new ShardManifest
            {
                Index = name, Shard = range.Shard, Shards = shards, Replica = replica, Replicas = replicas,
                Start = range.Start, Rows = range.Count, TotalRows = count, Dimension = dimension, Normalize = normalize,
                Silo = catalog.Silos[(range.Shard + replica) % catalog.Silos.Length].Endpoint, Load = load,
            }).ToArray();
            var copies = manifests.Select(m => grains.GetGrain<IIndexShardGrain>(IndexShardGrain.Key(name, range.Shard, m.Silo))).ToArray();
            await Task.WhenAll(copies.Zip(manifests, (grain, manifest) => grain.Create(manifest)));
            for (long at = 0; at < range.Count; at += rowsPerMessage)
            {
                int n = (int)Math.Min(rowsPerMessage, range.Count - at);
                long first = range.Start + at;
                var message = rows.Read(first, n).ToArray();
                var ids = new long[n];
                for (int i = 0; i < n; i++)
                    ids[i] = first + i;
                await Task.WhenAll(copies.Select(grain => grain.Append(message, ids)));
                progress?.Report(sent += (long)n * replicas);
            }
            await Task.WhenAll(copies.Select(grain => grain.Commit()));
            saved.AddRange(manifests);
        }
        return saved;
    }

    /// <summary>
    /// Deletes index <paramref name="name"/> from every silo that holds a replica of it: from memory and from
    /// <c>--data</c>. A silo that is down keeps its copy on disk and lists it again when it restarts.
    /// </summary>
    /// <returns>The replicas removed.</returns>
    /// <exception cref="ClusterException">The index is not loaded, or a silo does not answer (its shards would come back).</exception>
    public static async Task<IReadOnlyList<ShardManifest>> RemoveAsync(IGrainFactory grains, string name)
    {
        CheckName(name);
        var catalog = await ClusterCatalog.ReadAsync(grains);
        if (catalog.Unreachable.Length > 0)
            throw new ClusterException($"cannot remove index {name}: silo {string.Join(", ", catalog.Unreachable)} does not answer and would keep its shards; try again once it answers or membership declares it dead.");
        var silos = catalog.ShardsOf(name).Select(m => m.Silo).Distinct().ToArray();
        if (silos.Length == 0)
            throw new ClusterException($"index {name} is not loaded in the cluster (or every silo holding it is down); engine cluster status lists the loaded indexes.");
        var removed = await Task.WhenAll(silos.Select(silo => ClusterRetry.RunAsync(() => grains.GetGrain<ISiloIndexesGrain>(SiloIndexesGrain.Key(silo)).Remove(name))));
        return removed.SelectMany(r => r).OrderBy(m => m.Shard).ThenBy(m => m.Replica).ToArray();
    }

    /// <summary>
    /// Searches index <paramref name="name"/> in batches of queries (see <see cref="MessageBytes"/>) through the
    /// search coordinator: ids and scores equal to <see cref="CosineIndex"/>'s search on the whole database.
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
            var request = new SearchRequest
            {
                Queries = queries.AsSpan(start * dimension, n * dimension).ToArray(), Dimension = dimension, K = k, ShardTimeout = shardTimeout,
            };
            var hits = await ClusterRetry.RunAsync(() => coordinator.Search(request));
            hits.Scores.CopyTo(scores, (long)start * k);
            hits.Ids.CopyTo(ids, (long)start * k);
            progress?.Report(start + n);
        }
        return new SearchResult(scores, ids, count, k);
    }

    /// <summary>
    /// Checks every row as a <see cref="CosineIndex"/> would (finite; not all zeros when normalized) before anything
    /// is sent, so a bad row fails the command up front rather than a shard halfway through a load or a batch.
    /// </summary>
    /// <param name="rows">Row-major rows.</param>
    /// <param name="dimension">Floats per row.</param>
    /// <param name="normalize">Whether the rows will be L2-normalized.</param>
    /// <param name="what">What the rows are, for the message (a file name).</param>
    /// <param name="firstRow">The number of the first row, for the message.</param>
    /// <exception cref="ArgumentException">A row holds NaN or ±∞, or is all zeros with normalization; the message names it.</exception>
    public static void CheckRows(ReadOnlySpan<float> rows, int dimension, bool normalize, string what, long firstRow = 0)
    {
        for (int i = 0; i < rows.Length; i++)
        {
            if (!float.IsFinite(rows[i]))
                throw new ArgumentException($"{what}: row {firstRow + i / dimension} holds {rows[i]} at column {i % dimension}; embeddings must be finite.");
        }
        if (!normalize)
            return;
        var copy = new float[dimension];
        for (int r = 0; r < rows.Length / dimension; r++)
        {
            rows.Slice(r * dimension, dimension).CopyTo(copy);
            try
            {
                CosineIndex.NormalizeL2(copy, dimension);
            }
            catch (ArgumentException)
            {
                throw new ArgumentException($"{what}: row {firstRow + r} is all zeros (or too small to square in float32) and cannot be L2-normalized.");
            }
        }
    }

    /// <summary><see cref="CheckRows(ReadOnlySpan{float}, int, bool, string, long)"/> over a whole database, a message of rows at a time.</summary>
    public static void CheckRows(DatabaseRows rows, bool normalize, string what)
    {
        int rowsPerMessage = RowsPer(MessageBytes, rows.Dimension);
        for (long first = 0; first < rows.Rows; first += rowsPerMessage)
            CheckRows(rows.Read(first, (int)Math.Min(rowsPerMessage, rows.Rows - first)), rows.Dimension, normalize, what, first);
    }

    /// <summary>How many rows of <paramref name="dimension"/> floats fit in <paramref name="messageBytes"/>; at least one.</summary>
    private static int RowsPer(int messageBytes, int dimension) => Math.Max(1, messageBytes / (dimension * sizeof(float)));
}
