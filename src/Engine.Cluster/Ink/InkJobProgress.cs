namespace Engine.Cluster.Ink;

/// <summary>Where a work item stands.</summary>
[GenerateSerializer]
public enum InkWorkState
{
    /// <summary>Waiting for a silo (first, or again after its silo was lost).</summary>
    Pending,

    /// <summary>Running on a silo.</summary>
    Running,

    /// <summary>Its outputs are written.</summary>
    Done,

    /// <summary>It failed for a reason a re-run would meet again (a malformed fragment, a missing model…).</summary>
    Failed,
}

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

/// <summary>One work item's state as the job coordinator knows it.</summary>
/// <param name="Name">The fragment's name.</param>
/// <param name="State">Where it stands.</param>
/// <param name="Attempts">Times it was started (more than one after its silo was lost).</param>
/// <param name="Silo">The silo running or last running it.</param>
/// <param name="Error">Why it failed, for <see cref="InkWorkState.Failed"/>.</param>
/// <param name="Result">Its figures, for <see cref="InkWorkState.Done"/>.</param>
/// <param name="Seconds">For a finished item, seconds from the coordinator starting its last attempt to seeing it done.</param>
[GenerateSerializer, Immutable]
public sealed record InkWorkProgress(
    [property: Id(0)] string Name,
    [property: Id(1)] InkWorkState State,
    [property: Id(2)] int Attempts,
    [property: Id(3)] string? Silo,
    [property: Id(4)] string? Error,
    [property: Id(5)] InkWorkItemResult? Result,
    [property: Id(6)] double Seconds);

/// <summary>A job's progress: every work item's state.</summary>
/// <param name="Job">The job's id.</param>
/// <param name="Coordinator">The silo the job's coordinator runs on.</param>
/// <param name="Items">The work items, in the order of the job's fragments.</param>
[GenerateSerializer, Immutable]
public sealed record InkJobProgress(
    [property: Id(0)] string Job,
    [property: Id(1)] string Coordinator,
    [property: Id(2)] InkWorkProgress[] Items)
{
    /// <summary>Items done.</summary>
    public int Done => Items.Count(i => i.State == InkWorkState.Done);

    /// <summary>Whether every item is done or failed.</summary>
    public bool Finished => Items.All(i => i.State is InkWorkState.Done or InkWorkState.Failed);
}
