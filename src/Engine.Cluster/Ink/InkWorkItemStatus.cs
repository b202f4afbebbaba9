namespace Engine.Cluster.Ink;

/// <summary>A work item's run as its grain reports it.</summary>
/// <param name="State">Pending (never started here), running, done or failed.</param>
/// <param name="Result">The figures, when done.</param>
/// <param name="Error">The inference's error, when failed.</param>
[GenerateSerializer, Immutable]
public sealed record InkWorkItemStatus([property: Id(0)] InkWorkState State, [property: Id(1)] InkWorkItemResult? Result, [property: Id(2)] string? Error);
