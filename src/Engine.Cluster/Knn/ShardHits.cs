using Engine.Search;

namespace Engine.Cluster.Knn;

/// <summary>A <see cref="SearchResult"/> as it crosses between silos and clients.</summary>
[GenerateSerializer, Immutable]
public sealed class ShardHits
{
    /// <summary>Query-major scores, <see cref="Queries"/> × <see cref="K"/>.</summary>
    [Id(0)] public required float[] Scores { get; init; }

    /// <summary>Query-major ids, <see cref="Queries"/> × <see cref="K"/>.</summary>
    [Id(1)] public required long[] Ids { get; init; }

    /// <summary>The number of queries.</summary>
    [Id(2)] public required int Queries { get; init; }

    /// <summary>Results per query.</summary>
    [Id(3)] public required int K { get; init; }

    /// <summary>Wraps a search result.</summary>
    public static ShardHits From(SearchResult result) => new() { Scores = result.Scores, Ids = result.Ids, Queries = result.Queries, K = result.K };

    /// <summary>The search result.</summary>
    public SearchResult ToResult() => new(Scores, Ids, Queries, K);
}
