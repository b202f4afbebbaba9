using System.CommandLine;
using System.Globalization;
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

    public static int Run(ParseResult parse, TextWriter stdout, string endpoints, DirectoryInfo[] fragments, string[] models, string output, InkInferenceOptions options, bool json)
    {
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
            },
        };
        var items = InkJob.Plan(request);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        InkJobProgress job;
        using (var bar = ProgressBar.Start(parse, "Fragments", items.Length))
        {
            job = RunAsync(gateways, request, new Progress<InkJobProgress>(p => bar.Report(p.Done))).GetAwaiter().GetResult();
        }
        double seconds = clock.Elapsed.TotalSeconds;
        if (job.Items.FirstOrDefault(i => i.State == InkWorkState.Failed) is { } failed)
            throw new ClusterException($"fragment {failed.Name} failed: {failed.Error} ({job.Done} of {job.Items.Length} fragments done; their outputs are complete)");

        if (json)
        {
            CommandLine.WriteJson(stdout, new
            {
                job = job.Job,
                output,
                models,
                fragments = job.Items.Select((p, i) => new
                {
                    name = p.Name,
                    fragment = items[i].Fragment,
                    output = items[i].OutputDirectory,
                    silo = p.Result!.Silo,
                    attempts = p.Attempts,
                    p.Result.Width,
                    p.Result.Height,
                    p.Result.Tiles,
                    p.Result.Threshold,
                    p.Result.InkPixels,
                    p.Result.InferenceSeconds,
                    seconds = p.Seconds,
                }),
                seconds,
            });
            return 0;
        }
        string F(double v, string format) => v.ToString(format, CultureInfo.InvariantCulture);
        foreach (var (p, i) in job.Items.Select((p, i) => (p, i)))
        {
            var r = p.Result!;
            stdout.WriteLine($"{p.Name}: {CommandLine.Count(r.Tiles)} windows over {r.Width} × {r.Height} on {r.Silo}{(p.Attempts > 1 ? $" (attempt {p.Attempts})" : "")}, threshold {F(r.Threshold, "G6")}, {CommandLine.Count(r.InkPixels)} ink pixels; inference {F(r.InferenceSeconds, "F2")} s of {F(p.Seconds, "F2")} s -> {items[i].OutputDirectory}");
        }
        stdout.WriteLine($"{job.Items.Length} fragments on the cluster in {F(seconds, "F2")} s");
        return 0;
    }

    private static async Task<InkJobProgress> RunAsync(System.Net.IPEndPoint[] gateways, InkJobRequest request, IProgress<InkJobProgress> progress)
    {
        await using var connection = await ClusterConnection.ConnectAsync(gateways);
        return await InkClusterJob.RunAsync(connection.Client, request, progress);
    }
}
