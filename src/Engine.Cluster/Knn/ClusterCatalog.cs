namespace Engine.Cluster.Knn;

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
