namespace Engine.Cluster.Ink;

/// <summary>The inference options of an ink job, as they cross to the silos (see <c>InkInferenceOptions</c>).</summary>
[GenerateSerializer, Immutable]
public sealed record InkJobOptions
{
    /// <summary>Step between windows in pixels; null for half the model's tile.</summary>
    [Id(0)] public int? Stride { get; init; }

    /// <summary>Windows per model call.</summary>
    [Id(1)] public int BatchSize { get; init; } = 8;

    /// <summary>Test-time augmentation: none, flips or distributed.</summary>
    [Id(2)] public string Tta { get; init; } = "none";

    /// <summary>Only the centre Inner × Inner block of each window counts; null for whole windows.</summary>
    [Id(3)] public int? Inner { get; init; }

    /// <summary>The quantile of the masked map above which a pixel is ink; null for the checkpoints' validation quantile, as on one machine.</summary>
    [Id(4)] public double? Quantile { get; init; }

    /// <summary>Memory budget of one work item's inference in bytes.</summary>
    [Id(5)] public long MemoryBudget { get; init; } = 2L << 30;

    /// <summary>Fragments taller than this are inferred in bands of at most this many rows, one work item each, and merged by one more; null infers every fragment whole.</summary>
    [Id(6)] public int? RegionRows { get; init; }
}
