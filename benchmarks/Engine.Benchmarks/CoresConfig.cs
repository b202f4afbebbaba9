using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;

namespace Engine.Benchmarks;

/// <summary>
/// Two jobs: every core of the machine, and one core (DOTNET_PROCESSOR_COUNT=1 limits Engine's workers), since
/// the numpy peers run on one. Few iterations: each operation reads hundreds of MB and takes 10 ms to 1 s.
/// </summary>
public sealed class CoresConfig : ManualConfig
{
    public CoresConfig()
    {
        var job = Job.Default.WithWarmupCount(2).WithIterationCount(8).WithLaunchCount(1);
        AddJob(job.WithId("all cores"));
        AddJob(job.WithEnvironmentVariable("DOTNET_PROCESSOR_COUNT", "1").WithId("1 core"));
    }
}
