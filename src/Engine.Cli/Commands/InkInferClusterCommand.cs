using System.CommandLine;
using Engine.Cli.Results;
using Engine.Cluster;
using Engine.Cluster.Hosting;
using Engine.Cluster.Ink;
using Engine.Torch.Ink;

namespace Engine.Cli.Commands;

/// <summary><c>engine ink infer --cluster</c>: fragments spread over a cluster's silos (<see cref="InkClusterJob"/>), each inferred as one machine would.</summary>
internal static class InkInferClusterCommand
{
    public static Option<string?> ClusterOption() => new("--cluster")
    {
        Description = "HOST:PORT[,HOST:PORT…]: gateways of an engine serve cluster; the fragments are inferred on its silos, which must all see the same paths (shared storage).",
    };

    /// <summary>Rows of a region when --region-rows is not given: a competition fragment (8,000 rows or more) becomes 4 or more regions.</summary>
    public const int DefaultRegionRows = 2048;

    public static Option<int?> RegionRowsOption() => new("--region-rows")
    {
        Description = $"With --cluster: fragments taller than this are inferred in bands of at most this many rows on several silos, then merged into the same outputs (default {DefaultRegionRows}; 0 infers every fragment whole on one silo).",
    };

    public static int Run(ParseResult parse, TextWriter stdout, string endpoints, DirectoryInfo[] fragments, string[] models, string output, InkInferenceOptions options,
        int? regionRows, bool json)
    {
        int rows = CommandLine.InRange(regionRows ?? DefaultRegionRows, "--region-rows", 0, int.MaxValue);
        var gateways = ClusterEndpoints.ParseList(endpoints, "--cluster");
        // The silos read these paths as given: check them here, where a mistake is cheap to name.
        foreach (var fragment in fragments)
        {
            if (!fragment.Exists)
                throw new DirectoryNotFoundException($"Fragment folder {fragment.FullName} does not exist.");
        }
        foreach (string model in models)
        {
            if (!Directory.Exists(model))
                throw new DirectoryNotFoundException($"Model folder {model} does not exist.");
        }
        var request = new InkJobRequest
        {
            Fragments = fragments.Select(f => f.FullName).ToArray(),
            Models = models,
            Output = output,
            Options = new InkJobOptions
            {
                Stride = options.Stride,
                BatchSize = options.BatchSize,
                Tta = options.Tta.ToString().ToLowerInvariant(),
                Inner = options.Inner,
                Quantile = options.Quantile,
                MemoryBudget = options.MemoryBudget,
                RegionRows = rows > 0 ? rows : null,
            },
        };
        var items = InkJob.Plan(request);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        InkJobProgress job;
        using (var bar = ProgressBar.Start(parse, "Work items", items.Length))
        {
            job = RunAsync(gateways, request, new Progress<InkJobProgress>(p => bar.Report(p.Done))).GetAwaiter().GetResult();
        }
        double seconds = clock.Elapsed.TotalSeconds;
        // One entry per fragment: its whole item, or its merge with its regions.
        var done = Enumerable.Range(0, items.Length).Where(i => items[i].Kind != InkWorkKind.Region)
            .Select(i => (Item: items[i], Progress: job.Items[i], Regions: Enumerable.Range(0, items.Length)
                .Where(r => items[r].Kind == InkWorkKind.Region && items[r].Name == items[i].Name).Select(r => job.Items[r]).ToArray()))
            .ToArray();
        if (job.Items.FirstOrDefault(i => i.State == InkWorkState.Failed) is { } failed)
            throw new ClusterException($"fragment {failed.Name} failed: {failed.Error} ({done.Count(f => f.Progress.State == InkWorkState.Done)} of {done.Length} fragments done; their outputs are complete)");

        var fragmentRuns = done.Select(f => new InkInferClusterResult.FragmentRun(f.Item.Name, f.Item.Fragment, f.Item.OutputDirectory,
            f.Progress.Result!.Silo, f.Progress.Attempts, f.Progress.Result.Width, f.Progress.Result.Height, f.Progress.Result.Tiles,
            f.Progress.Result.Threshold, f.Progress.Result.InkPixels,
            f.Progress.Result.InferenceSeconds + f.Regions.Sum(r => r.Result!.InferenceSeconds), f.Progress.Seconds,
            f.Regions.Select(r => new InkInferClusterResult.Region(r.Result!.Silo, r.Attempts, r.Result.Tiles, r.Result.InferenceSeconds, r.Seconds)).ToArray()))
            .ToArray();
        new InkInferClusterResult(job.Job, output, models, fragmentRuns, seconds) { WorkItems = items.Length }.Write(stdout, json);
        return 0;
    }

    private static async Task<InkJobProgress> RunAsync(System.Net.IPEndPoint[] gateways, InkJobRequest request, IProgress<InkJobProgress> progress)
    {
        await using var connection = await ClusterConnection.ConnectAsync(gateways);
        return await InkClusterJob.RunAsync(connection.Client, request, progress);
    }
}
