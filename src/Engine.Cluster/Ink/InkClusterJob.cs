namespace Engine.Cluster.Ink;

/// <summary>Runs an ink job on a cluster from a client: starts its coordinator, follows its progress, and starts it again if the coordinator is lost with its silo.</summary>
public static class InkClusterJob
{
    /// <summary>Coordinators started for one job before it is given up: each lost coordinator costs one.</summary>
    public const int MaxCoordinators = 3;

    /// <summary>Progress calls in a row that may fail before the coordinator is taken for lost.</summary>
    private const int MissesBeforeLost = 3;

    /// <summary>Runs <paramref name="request"/> to the end.</summary>
    /// <param name="grains">The cluster client's grain factory.</param>
    /// <param name="request">The job.</param>
    /// <param name="progress">Receives the job's progress at every poll.</param>
    /// <param name="cancellationToken">Stops following the job (the silos finish the items they run).</param>
    /// <returns>The finished job: every item done or failed.</returns>
    /// <exception cref="ArgumentException">The job is malformed (see <see cref="InkJob.Plan"/>).</exception>
    /// <exception cref="ClusterException">The coordinator was lost <see cref="MaxCoordinators"/> times.</exception>
    public static async Task<InkJobProgress> RunAsync(IGrainFactory grains, InkJobRequest request, IProgress<InkJobProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        InkJob.Plan(request);
        string job = Guid.NewGuid().ToString("N");
        string? lastError = null;
        for (int coordinator = 1; coordinator <= MaxCoordinators; coordinator++)
        {
            // A new key for each coordinator: the items it starts have keys of their own, so a lost coordinator's items never mix with its successor's.
            var grain = grains.GetGrain<IInkJobGrain>($"{job}.{coordinator}");
            try
            {
                progress?.Report(await grain.Start(request));
            }
            catch (Exception e) when (e is not ArgumentException and not OperationCanceledException)
            {
                lastError = e.Message;
                continue;
            }
            int misses = 0;
            while (true)
            {
                await Task.Delay(InkJobGrain.PollInterval, cancellationToken);
                InkJobProgress? current;
                try
                {
                    current = await grain.Progress();
                    misses = 0;
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    lastError = e.Message;
                    if (++misses < MissesBeforeLost)
                        continue;
                    current = null;
                }
                if (current is null)
                    break;
                progress?.Report(current);
                if (current.Finished)
                    return current;
            }
        }
        throw new ClusterException($"the ink job's coordinator was lost {MaxCoordinators} times; the last error: {lastError ?? "it came back without the job"}.");
    }
}
