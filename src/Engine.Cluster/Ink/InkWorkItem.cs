namespace Engine.Cluster.Ink;

/// <summary>One piece of a job: inferred by one silo, its outputs written atomically.</summary>
/// <param name="Name">The fragment's name (its folder's name), unique in the job.</param>
/// <param name="Fragment">The fragment folder.</param>
/// <param name="OutputDirectory">Where the fragment's outputs go: the job's output folder / <paramref name="Name"/>.</param>
/// <param name="Kind">The whole fragment, one region of it, or the merge of its regions.</param>
/// <param name="Region">For a region, its index, top to bottom.</param>
/// <param name="Regions">The fragment's regions; 1 for a whole fragment.</param>
[GenerateSerializer, Immutable]
public sealed record InkWorkItem([property: Id(0)] string Name, [property: Id(1)] string Fragment, [property: Id(2)] string OutputDirectory,
    [property: Id(3)] InkWorkKind Kind = InkWorkKind.Fragment, [property: Id(4)] int Region = 0, [property: Id(5)] int Regions = 1)
{
    /// <summary>Names the item in progress, errors and grain keys: the fragment's name, with the region or merge after a slash (no folder name holds one).</summary>
    public string Label => Kind switch
    {
        InkWorkKind.Region => $"{Name}/region {Region + 1} of {Regions}",
        InkWorkKind.Merge => $"{Name}/merge",
        _ => Name,
    };

    /// <summary>The folder the fragment's regions write their rows to, inside its output folder; the merge removes it.</summary>
    public string RegionsDirectory => Path.Combine(OutputDirectory, ".regions");

    /// <summary>The file of region <paramref name="region"/>'s rows.</summary>
    public string RegionPath(int region) => Path.Combine(RegionsDirectory, $"{region:D4}-of-{Regions:D4}.f32");
}
