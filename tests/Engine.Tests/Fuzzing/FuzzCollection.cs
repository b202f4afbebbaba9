namespace Engine.Tests.Fuzzing;

/// <summary>
/// The fuzz tests run one after another: each measures the memory its reader allocates, which other tests running
/// beside it would inflate, and the 2-core CI machine gains nothing from running them side by side.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class FuzzCollection
{
    public const string Name = "Fuzz";
}
