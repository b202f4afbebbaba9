namespace Engine.Cluster.Knn;

/// <summary>A silo of the cluster as membership sees it.</summary>
/// <param name="Endpoint">Its silo-to-silo endpoint, HOST:PORT.</param>
/// <param name="Status">Orleans' status (Active, ShuttingDown, Dead, …).</param>
public sealed record SiloEntry(string Endpoint, string Status);

/// <summary>
/// What the cluster holds: its active silos and the shard replicas each has saved. There is no central catalog to
/// lose: each silo lists its own <c>--data</c>, so a silo that restarts brings its shards back.
/// </summary>
/// <param name="Silos">Active silos, ordered by endpoint.</param>
/// <param name="Shards">Every shard replica listed by a silo that answered.</param>
/// <param name="Unreachable">Active silos that did not answer within the timeout (their shards are missing from <see cref="Shards"/>).</param>
public sealed record ClusterCatalog(IReadOnlyList<SiloEntry> Silos, IReadOnlyList<ShardManifest> Shards, IReadOnlyList<string> Unreachable)
{
    /// <summary>How long a silo may take to list its shards; one that takes longer is treated as gone.</summary>
    public static readonly TimeSpan ListTimeout = TimeSpan.FromSeconds(10);

    /// <summary>Asks membership for the active silos and each of them for its shards, in parallel.</summary>
    public static async Task<ClusterCatalog> ReadAsync(IGrainFactory grains)
    {
        var hosts = await grains.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true);
        var silos = hosts.Select(h => new SiloEntry(h.Key.Endpoint.ToString(), h.Value.ToString()))
            .OrderBy(s => s.Endpoint, StringComparer.Ordinal).ToArray();
        var listings = await Task.WhenAll(silos.Select(async silo =>
        {
            try
            {
                return (silo.Endpoint, Shards: await grains.GetGrain<ISiloIndexesGrain>(SiloIndexesGrain.Key(silo.Endpoint)).List().WaitAsync(ListTimeout));
            }
            catch (Exception e) when (e is not ArgumentException)
            {
                return (silo.Endpoint, Shards: (ShardManifest[]?)null);
            }
        }));
        return new ClusterCatalog(silos,
            listings.SelectMany(l => l.Shards ?? []).OrderBy(m => m.Index, StringComparer.Ordinal).ThenBy(m => m.Shard).ThenBy(m => m.Replica).ToArray(),
            listings.Where(l => l.Shards is null).Select(l => l.Endpoint).ToArray());
    }

    /// <summary>The replicas of index <paramref name="index"/>'s shards.</summary>
    public IReadOnlyList<ShardManifest> ShardsOf(string index) => Shards.Where(m => m.Index == index).ToArray();
}
