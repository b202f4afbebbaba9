namespace Engine.Cluster.Ink;

/// <summary>What a work item does.</summary>
[GenerateSerializer]
public enum InkWorkKind
{
    /// <summary>Infers a whole fragment and writes its outputs.</summary>
    Fragment,

    /// <summary>Infers one band of a fragment's rows and writes them to <see cref="InkWorkItem.RegionPath"/>.</summary>
    Region,

    /// <summary>Once every region of its fragment is done: merges their rows into the fragment's outputs.</summary>
    Merge,
}
