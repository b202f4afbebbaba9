namespace Engine.Cluster.Ink;

/// <summary>What one finished work item reports: the inference's figures (see <c>InkInferenceResult</c>).</summary>
[GenerateSerializer, Immutable]
public sealed record InkWorkItemResult
{
    /// <summary>The silo that ran it (its silo-to-silo endpoint).</summary>
    [Id(0)] public required string Silo { get; init; }

    /// <summary>Map width in pixels.</summary>
    [Id(1)] public required int Width { get; init; }

    /// <summary>Map height in pixels.</summary>
    [Id(2)] public required int Height { get; init; }

    /// <summary>Windows inferred.</summary>
    [Id(3)] public required int Tiles { get; init; }

    /// <summary>The ink threshold (the percentile of the map).</summary>
    [Id(4)] public required double Threshold { get; init; }

    /// <summary>Pixels above it.</summary>
    [Id(5)] public required long InkPixels { get; init; }

    /// <summary>Seconds the inference took on the silo, from loading the models to the last output written.</summary>
    [Id(6)] public required double InferenceSeconds { get; init; }
}
