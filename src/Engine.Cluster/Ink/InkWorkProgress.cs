namespace Engine.Cluster.Ink;

/// <summary>One work item's state as the job coordinator knows it.</summary>
/// <param name="Name">The item's <see cref="InkWorkItem.Label"/>.</param>
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
