namespace Engine.Tests.Fuzzing;

/// <summary>
/// How long the mutation fuzzer runs. The counts below are what CI runs (the whole suite stays under 60 s on
/// 2 cores); <c>ENGINE_FUZZ_ITERATIONS</c> overrides every reader's count for a longer local run,
/// <c>ENGINE_FUZZ_ITERATION</c> runs one iteration only (to reproduce a failure), and
/// <c>ENGINE_FUZZ_FINDINGS</c> names a folder where each distinct failure's input is saved.
/// </summary>
internal static class FuzzSettings
{
    // Per-reader mutation counts for one CI run, sized so that each reader takes a few seconds on 2 cores.
    public const int NpyIterations = 600;
    public const int PngIterations = 500;
    public const int TiffSliceIterations = 250;
    public const int TiffMultiPageIterations = 200;
    public const int FvecsIterations = 400;
    public const int JsonIterations = 500;
    public const int CosineIndexIterations = 300;
    public const int TileCacheIterations = 150;
    public const int MismatchedPairIterations = 60;

    // CLI runs go through command parsing, output writing and the progress machinery: tens of ms each.
    public const int CliIterationsPerCommand = 30;

    /// <summary>An input whose check takes longer than this is reported as a hang (the check is abandoned); a valid seed takes milliseconds.</summary>
    public static readonly TimeSpan HangTimeout = TimeSpan.FromSeconds(3);

    /// <summary>Managed bytes a check may allocate on an input of a few KB before it counts as "memory before validation".</summary>
    public const long AllocationLimit = 256L << 20;

    public static int Iterations(int ciDefault) =>
        int.TryParse(Environment.GetEnvironmentVariable("ENGINE_FUZZ_ITERATIONS"), out int n) && n > 0 ? n : ciDefault;

    public static int? OnlyIteration =>
        int.TryParse(Environment.GetEnvironmentVariable("ENGINE_FUZZ_ITERATION"), out int n) ? n : null;

    public static string? FindingsDirectory => Environment.GetEnvironmentVariable("ENGINE_FUZZ_FINDINGS") is { Length: > 0 } d ? d : null;
}
