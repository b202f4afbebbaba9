using Engine.Cluster.Placement;

namespace Engine.Cluster.Ink;

/// <inheritdoc cref="IInkWorkItemGrain"/>
[SiloEndpointPlacement]
internal sealed class InkWorkItemGrain(ILocalSiloDetails local) : Grain, IInkWorkItemGrain
{
    private Task<InkWorkItemResult>? _run;

    /// <summary>The key of <paramref name="item"/>'s attempt number <paramref name="attempt"/> of job <paramref name="job"/> on the silo at <paramref name="silo"/>.</summary>
    public static string Key(string job, InkWorkItem item, int attempt, string silo) =>
        SiloEndpointPlacementDirector.Key($"{job}/{item.Label}/{attempt}", silo);

    public Task Start(InkJobRequest request, InkWorkItem item)
    {
        string silo = local.SiloAddress.Endpoint.ToString();
        // Off the grain's scheduler: the inference keeps a thread busy for as long as it runs.
        _run ??= Task.Run(() => InkWorkItemRun.Run(request, item, silo));
        return Task.CompletedTask;
    }

    public Task<InkWorkItemStatus> Status() => Task.FromResult(_run switch
    {
        null => new InkWorkItemStatus(InkWorkState.Pending, null, null),
        { IsCompletedSuccessfully: true } run => new InkWorkItemStatus(InkWorkState.Done, run.Result, null),
        { IsFaulted: true } run => new InkWorkItemStatus(InkWorkState.Failed, null, run.Exception!.GetBaseException().Message),
        _ => new InkWorkItemStatus(InkWorkState.Running, null, null),
    });
}
