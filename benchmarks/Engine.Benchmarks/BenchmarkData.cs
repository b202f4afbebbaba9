namespace Engine.Benchmarks;

/// <summary>Where the generated benchmark inputs live: benchmarks/data (git-ignored), or ENGINE_BENCHMARK_DATA.</summary>
internal static class BenchmarkData
{
    /// <summary>The inputs of one comparison (<c>compare NAME</c>): a folder of its own under <see cref="Folder"/>.</summary>
    public static string For(string comparison) => Path.Combine(Folder, comparison);

    public static string Folder =>
        Environment.GetEnvironmentVariable("ENGINE_BENCHMARK_DATA") is { Length: > 0 } folder
            ? folder
            : Path.Combine(RepositoryRoot, "benchmarks", "data");

    /// <summary>The folder holding Engine.sln, found upwards from the working folder or this assembly.</summary>
    public static string RepositoryRoot
    {
        get
        {
            foreach (string start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
            {
                for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
                {
                    if (File.Exists(Path.Combine(dir.FullName, "Engine.sln")))
                        return dir.FullName;
                }
            }
            throw new DirectoryNotFoundException("Engine.sln not found above the working folder; run the benchmarks from the repository.");
        }
    }
}
