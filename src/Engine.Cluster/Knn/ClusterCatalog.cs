namespace Engine.Cluster.Knn;

/// <summary>A silo of the cluster as membership sees it.</summary>
[GenerateSerializer, Immutable]
public sealed record SiloEntry
{
    /// <summary>Its silo-to-silo endpoint, HOST:PORT.</summary>
    [Id(0)] public required string Endpoint { get; init; }

    /// <summary>Orleans' status (Active, ShuttingDown, Dead, …).</summary>
    [Id(1)] public required string Status { get; init; }
}

/// <summary>
/// What the cluster holds: its active silos and the shard replicas each has saved. There is no central catalog to
/// lose: each silo lists its own <c>--data</c>, so a silo that restarts brings its shards back.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record ClusterCatalog
{
    /// <summary>How long a silo may take to list its shards; one that takes longer is treated as gone.</summary>
    public static readonly TimeSpan ListTimeout = TimeSpan.FromSeconds(10);

    /// <summary>Active silos, ordered by endpoint.</summary>
    [Id(0)] public required SiloEntry[] Silos { get; init; }

    /// <summary>Every shard replica listed by a silo that answered, by index, shard and replica.</summary>
    [Id(1)] public required ShardManifest[] Shards { get; init; }

    /// <summary>Active silos that did not answer within <see cref="ListTimeout"/> (their shards are missing from <see cref="Shards"/>): killed, and not yet declared dead.</summary>
    [Id(2)] public required string[] Unreachable { get; init; }

    /// <summary>Reads the catalog on the silo the call reaches (a client has no membership view of its own), retrying while the cluster settles (<see cref="ClusterRetry"/>).</summary>
    public static Task<ClusterCatalog> ReadAsync(IGrainFactory grains) => ClusterRetry.RunAsync(() => grains.GetGrain<IClusterCatalogGrain>(0).Read());

    /// <summary>The replicas of index <paramref name="index"/>'s shards.</summary>
    public IReadOnlyList<ShardManifest> ShardsOf(string index) => Shards.Where(m => m.Index == index).ToArray();
}

/// <summary>Reads the <see cref="ClusterCatalog"/> from the local silo's membership view and each active silo's listing.</summary>
public interface IClusterCatalogGrain : IGrainWithIntegerKey
{
    /// <summary>The catalog now.</summary>
    Task<ClusterCatalog> Read();
}

/// <inheritdoc cref="IClusterCatalogGrain"/>
/// <remarks>
/// A stateless worker, so it runs on the silo that receives the call: Orleans' management grain lives on one silo,
/// and when that silo is killed every call to it fails until membership declares the silo dead.
/// </remarks>
[Orleans.Concurrency.StatelessWorker]
internal sealed class ClusterCatalogGrain(IClusterMembershipService membership) : Grain, IClusterCatalogGrain
{
    public async Task<ClusterCatalog> Read()
    {
        var silos = membership.CurrentSnapshot.Members.Values.Where(m => m.Status == SiloStatus.Active)
            .Select(m => new SiloEntry { Endpoint = m.SiloAddress.Endpoint.ToString(), Status = m.Status.ToString() })
            .OrderBy(s => s.Endpoint, StringComparer.Ordinal).ToArray();
        var listings = await Task.WhenAll(silos.Select(async silo =>
        {
            try
            {
                return (silo.Endpoint, Shards: await GrainFactory.GetGrain<ISiloIndexesGrain>(SiloIndexesGrain.Key(silo.Endpoint)).List().WaitAsync(ClusterCatalog.ListTimeout));
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // Refused, reset or timed out: whatever the failure, this silo cannot serve its shards now.
                return (silo.Endpoint, Shards: (ShardManifest[]?)null);
            }
        }));
        return new ClusterCatalog
        {
            Silos = silos,
            Shards = listings.SelectMany(l => l.Shards ?? []).OrderBy(m => m.Index, StringComparer.Ordinal).ThenBy(m => m.Shard).ThenBy(m => m.Replica).ToArray(),
            Unreachable = listings.Where(l => l.Shards is null).Select(l => l.Endpoint).ToArray(),
        };
    }
}
