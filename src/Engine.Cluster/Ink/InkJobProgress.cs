namespace Engine.Cluster.Ink;

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
