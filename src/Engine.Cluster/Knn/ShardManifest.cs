namespace Engine.Cluster.Knn;

/// <summary>
/// One replica of one shard of a cluster index: which rows of the whole index it holds and where. Saved next to
/// the shard's index file under the silo's <c>--data</c> (as JSON), so the silo lists it again after a restart.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record ShardManifest
{
    /// <summary>The index's name.</summary>
    [Id(0)] public required string Index { get; init; }

    /// <summary>This shard's number, 0 … <see cref="Shards"/> − 1.</summary>
    [Id(1)] public required int Shard { get; init; }

    /// <summary>Shards of the index.</summary>
    [Id(2)] public required int Shards { get; init; }

    /// <summary>This replica's number, 0 … <see cref="Replicas"/> − 1: the coordinator tries replicas in this order.</summary>
    [Id(3)] public required int Replica { get; init; }

    /// <summary>Replicas of each shard.</summary>
    [Id(4)] public required int Replicas { get; init; }

    /// <summary>The shard's first row in the whole index (its rows' ids are positions of the whole index).</summary>
    [Id(5)] public required long Start { get; init; }

    /// <summary>Rows in the shard.</summary>
    [Id(6)] public required long Rows { get; init; }

    /// <summary>Rows in the whole index.</summary>
    [Id(7)] public required long TotalRows { get; init; }

    /// <summary>Floats per row.</summary>
    [Id(8)] public required int Dimension { get; init; }

    /// <summary>Whether rows and queries are L2-normalized.</summary>
    [Id(9)] public required bool Normalize { get; init; }

    /// <summary>The silo-to-silo endpoint (HOST:PORT) of the silo holding this replica.</summary>
    [Id(10)] public required string Silo { get; init; }

    /// <summary>
    /// Which load of the index this shard belongs to (one id per <c>engine cluster index</c> run): an index removed
    /// and loaded again under the same name is another load, so a search never merges shards of two.
    /// </summary>
    [Id(11)] public string Load { get; init; } = "";
}
