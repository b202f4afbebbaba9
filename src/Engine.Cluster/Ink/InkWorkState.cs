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
