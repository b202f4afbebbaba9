namespace Engine.Cluster.Ink;

/// <summary>
/// One ink work item on the silo its key names (<c>JOB/FRAGMENT/ATTEMPT@HOST:PORT</c>): starts the inference in the
/// background and reports on it, so a run longer than a call's timeout is watched by polling.
/// </summary>
public interface IInkWorkItemGrain : IGrainWithStringKey
{
    /// <summary>Starts <paramref name="item"/> of <paramref name="request"/> unless this grain has started it already.</summary>
    Task Start(InkJobRequest request, InkWorkItem item);

    /// <summary>Where the run stands: <see cref="InkWorkState.Pending"/> from an activation that never started it (its silo was lost and the grain came back empty).</summary>
    Task<InkWorkItemStatus> Status();
}

/// <summary>A work item's run as its grain reports it.</summary>
/// <param name="State">Pending (never started here), running, done or failed.</param>
/// <param name="Result">The figures, when done.</param>
/// <param name="Error">The inference's error, when failed.</param>
[GenerateSerializer, Immutable]
public sealed record InkWorkItemStatus([property: Id(0)] InkWorkState State, [property: Id(1)] InkWorkItemResult? Result, [property: Id(2)] string? Error);
