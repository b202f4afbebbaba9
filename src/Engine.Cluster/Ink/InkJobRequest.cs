namespace Engine.Cluster.Ink;

/// <summary>
/// An ink job: models run over fragments, each fragment's outputs under <c>Output/&lt;fragment name&gt;/</c>. Every
/// path is read and written by the silos, so every silo must see the same paths (shared storage).
/// </summary>
[GenerateSerializer, Immutable]
public sealed record InkJobRequest
{
    /// <summary>Fragment folders (surface_volume/, mask.png …), one work item each.</summary>
    [Id(0)] public required string[] Fragments { get; init; }

    /// <summary>Model folders from engine ink train (an ensemble when several).</summary>
    [Id(1)] public required string[] Models { get; init; }

    /// <summary>The folder the fragments' output folders go in.</summary>
    [Id(2)] public required string Output { get; init; }

    /// <summary>How each fragment is inferred.</summary>
    [Id(3)] public InkJobOptions Options { get; init; } = new();
}

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
}

/// <summary>One fragment of a job: inferred by one silo, its outputs written atomically to <see cref="OutputDirectory"/>.</summary>
/// <param name="Name">The fragment's name (its folder's name), unique in the job.</param>
/// <param name="Fragment">The fragment folder.</param>
/// <param name="OutputDirectory">Where its outputs go: the job's output folder / <paramref name="Name"/>.</param>
[GenerateSerializer, Immutable]
public sealed record InkWorkItem([property: Id(0)] string Name, [property: Id(1)] string Fragment, [property: Id(2)] string OutputDirectory);
