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
