namespace Engine.Cluster.Ink;

/// <summary>One fragment of a job: inferred by one silo, its outputs written atomically to <see cref="OutputDirectory"/>.</summary>
/// <param name="Name">The fragment's name (its folder's name), unique in the job.</param>
/// <param name="Fragment">The fragment folder.</param>
/// <param name="OutputDirectory">Where its outputs go: the job's output folder / <paramref name="Name"/>.</param>
[GenerateSerializer, Immutable]
public sealed record InkWorkItem([property: Id(0)] string Name, [property: Id(1)] string Fragment, [property: Id(2)] string OutputDirectory);
