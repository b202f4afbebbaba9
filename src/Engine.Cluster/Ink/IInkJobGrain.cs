namespace Engine.Cluster.Ink;

/// <summary>
/// An ink job's coordinator (one per job id): spreads the fragments over the live silos, one running on a silo at a
/// time, watches them, re-runs on another silo any item lost with its silo, and reports progress.
/// </summary>
public interface IInkJobGrain : IGrainWithStringKey
{
    /// <summary>Starts the job unless this coordinator runs one already; returns its progress.</summary>
    /// <exception cref="ArgumentException">The job has no fragment or model, or two fragments share a name.</exception>
    Task<InkJobProgress> Start(InkJobRequest request);

    /// <summary>The job's progress; null from a coordinator that has no job (its silo was lost and it came back empty).</summary>
    Task<InkJobProgress?> Progress();
}
