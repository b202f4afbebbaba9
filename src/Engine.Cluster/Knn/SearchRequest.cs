namespace Engine.Cluster.Knn;

/// <summary>One batch of queries for the search coordinator.</summary>
[GenerateSerializer, Immutable]
public sealed class SearchRequest
{
    /// <summary>Row-major queries.</summary>
    [Id(0)] public required float[] Queries { get; init; }

    /// <summary>Floats per query; must equal the index's dimension.</summary>
    [Id(1)] public required int Dimension { get; init; }

    /// <summary>Results per query.</summary>
    [Id(2)] public required int K { get; init; }

    /// <summary>How long one shard replica may take before the coordinator tries the next replica.</summary>
    [Id(3)] public required TimeSpan ShardTimeout { get; init; }
}
