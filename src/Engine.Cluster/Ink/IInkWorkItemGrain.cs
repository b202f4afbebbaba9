namespace Engine.Cluster.Ink;

/// <summary>
/// One ink work item on the silo its key names (<c>JOB/LABEL/ATTEMPT@HOST:PORT</c>, the item's <see cref="InkWorkItem.Label"/>): starts the inference in the
/// background and reports on it, so a run longer than a call's timeout is watched by polling.
/// </summary>
public interface IInkWorkItemGrain : IGrainWithStringKey
{
    /// <summary>Starts <paramref name="item"/> of <paramref name="request"/> unless this grain has started it already.</summary>
    Task Start(InkJobRequest request, InkWorkItem item);

    /// <summary>Where the run stands: <see cref="InkWorkState.Pending"/> from an activation that never started it (its silo was lost and the grain came back empty).</summary>
    Task<InkWorkItemStatus> Status();
}
