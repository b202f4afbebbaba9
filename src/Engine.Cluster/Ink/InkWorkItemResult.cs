namespace Engine.Cluster.Ink;

/// <summary>What one finished work item reports: the inference's figures (see <c>InkInferenceResult</c>, <c>InkRegionResult</c>).</summary>
/// <param name="Silo">The silo that ran it (its silo-to-silo endpoint).</param>
/// <param name="Width">Map width in pixels.</param>
/// <param name="Height">Map height in pixels.</param>
/// <param name="Tiles">Windows: the fragment's, or for a region those it predicted (its own and the rest of their batches).</param>
/// <param name="Threshold">The ink threshold (the percentile of the whole map); null for a region, whose merge thresholds.</param>
/// <param name="InkPixels">Pixels above it; null for a region.</param>
/// <param name="InferenceSeconds">Seconds the item took on the silo, from loading the models to the last output written.</param>
[GenerateSerializer, Immutable]
public sealed record InkWorkItemResult([property: Id(0)] string Silo, [property: Id(1)] int Width, [property: Id(2)] int Height,
    [property: Id(3)] int Tiles, [property: Id(4)] double? Threshold, [property: Id(5)] long? InkPixels, [property: Id(6)] double InferenceSeconds);
