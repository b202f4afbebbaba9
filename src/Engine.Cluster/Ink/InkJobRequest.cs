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

    /// <summary>Fragments taller than this are inferred in bands of at most this many rows, one work item each, and merged by one more; null infers every fragment whole.</summary>
    [Id(6)] public int? RegionRows { get; init; }
}

/// <summary>What a work item does.</summary>
[GenerateSerializer]
public enum InkWorkKind
{
    /// <summary>Infers a whole fragment and writes its outputs.</summary>
    Fragment,

    /// <summary>Infers one band of a fragment's rows and writes them to <see cref="InkWorkItem.RegionPath"/>.</summary>
    Region,

    /// <summary>Once every region of its fragment is done: merges their rows into the fragment's outputs.</summary>
    Merge,
}

/// <summary>One piece of a job: inferred by one silo, its outputs written atomically.</summary>
/// <param name="Name">The fragment's name (its folder's name), unique in the job.</param>
/// <param name="Fragment">The fragment folder.</param>
/// <param name="OutputDirectory">Where the fragment's outputs go: the job's output folder / <paramref name="Name"/>.</param>
/// <param name="Kind">The whole fragment, one region of it, or the merge of its regions.</param>
/// <param name="Region">For a region, its index, top to bottom.</param>
/// <param name="Regions">The fragment's regions; 1 for a whole fragment.</param>
[GenerateSerializer, Immutable]
public sealed record InkWorkItem([property: Id(0)] string Name, [property: Id(1)] string Fragment, [property: Id(2)] string OutputDirectory,
    [property: Id(3)] InkWorkKind Kind = InkWorkKind.Fragment, [property: Id(4)] int Region = 0, [property: Id(5)] int Regions = 1)
{
    /// <summary>Names the item in progress, errors and grain keys: the fragment's name, with the region or merge after a slash (no folder name holds one).</summary>
    public string Label => Kind switch
    {
        InkWorkKind.Region => $"{Name}/region {Region + 1} of {Regions}",
        InkWorkKind.Merge => $"{Name}/merge",
        _ => Name,
    };

    /// <summary>The folder the fragment's regions write their rows to, inside its output folder; the merge removes it.</summary>
    public string RegionsDirectory => Path.Combine(OutputDirectory, ".regions");

    /// <summary>The file of region <paramref name="region"/>'s rows.</summary>
    public string RegionPath(int region) => Path.Combine(RegionsDirectory, $"{region:D4}-of-{Regions:D4}.f32");
}
