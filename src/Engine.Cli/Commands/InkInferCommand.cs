using System.CommandLine;
using System.Globalization;
using Engine.Torch.Ink;

namespace Engine.Cli.Commands;

/// <summary><c>engine ink infer</c>: one or more trained models over a whole fragment (<see cref="InkInference"/>).</summary>
internal static class InkInferCommand
{
    public static Command Create()
    {
        var fragment = new Option<DirectoryInfo[]>("--fragment") { Description = "The fragment folder: surface_volume/00.tif …, mask.png (inklabels.png, if there, is scored and drawn in the overlay). With --cluster, repeat it: each fragment's outputs go to OUT/<fragment name>/.", Required = true, AllowMultipleArgumentsPerToken = false };
        var models = new Option<DirectoryInfo[]>("--model") { Description = "A model folder from engine ink train; repeat it for an ensemble (probabilities averaged; all must cut the same input).", Required = true, AllowMultipleArgumentsPerToken = false };
        var output = new Option<DirectoryInfo>("--out") { Description = "Output folder: prob.npy, prob.tif (float32), prob.png, ink.png, overlay.png.", Required = true };
        var tta = new Option<string>("--tta") { Description = "Test-time augmentation: none, flips (each window as is and flipped both ways, averaged: 3 × the work) or distributed (one of those per window in turn).", DefaultValueFactory = _ => "none" };
        var stride = new Option<int?>("--stride") { Description = "Step between windows in pixels; default half the model's tile (every pixel in 2 × 2 windows)." };
        var percentile = new Option<double?>("--percentile") { Description = $"Ink is the map above this quantile of itself within the mask, in [0, 1]; default: the one validation chose in training (averaged over an ensemble), or {InkInferenceOptions.DefaultQuantile} for checkpoints trained without validation." };
        var inner = new Option<int?>("--inner") { Description = "Only the centre inner × inner pixels of each window count (windows at the fragment's edge keep their outer side)." };
        var batch = new Option<int>("--batch") { Description = "Windows per model call.", DefaultValueFactory = _ => new InkInferenceOptions().BatchSize };
        var budget = new Option<string>("--memory") { Description = "Memory budget for all that grows with the fragment (mask, tiles' bands and batches, stitched bands, the outputs): bytes, or with K, M, G.", DefaultValueFactory = _ => "2G" };
        var backend = CommandLine.BackendOption();
        var cluster = InkInferClusterCommand.ClusterOption();
        var json = CommandLine.JsonOption();
        var command = new Command("infer", "Run ink models over a whole fragment: tiles at a stride, TTA, ×32 per-window upsampling, stitching in bands, percentile threshold; streams within a memory budget.")
        {
            fragment, models, output, tta, stride, percentile, inner, batch, budget, backend, cluster, json,
        };
        command.SetAction(parse => CommandLine.Execute(parse, (stdout, cancel) =>
        {
            using var compute = CommandLine.CreateCompute(parse.GetValue(backend)!);
            var options = new InkInferenceOptions
            {
                Tta = parse.GetValue(tta) switch
                {
                    "none" => InkTta.None,
                    "flips" => InkTta.Flips,
                    "distributed" => InkTta.Distributed,
                    var other => throw new ArgumentException($"--tta {other} is not one of none, flips, distributed."),
                },
                Stride = parse.GetValue(stride) is { } s ? CommandLine.InRange(s, "--stride", 1, 65_536) : null,
                Quantile = parse.GetValue(percentile) is not { } p ? null : p is >= 0 and <= 1 ? p
                    : throw new ArgumentException($"--percentile {p} is not a quantile in [0, 1] (0.93 marks the top 7 % of the fragment as ink)."),
                Inner = parse.GetValue(inner) is { } i ? CommandLine.InRange(i, "--inner", 1, 65_536) : null,
                BatchSize = CommandLine.InRange(parse.GetValue(batch), "--batch", 1, 65_536),
                MemoryBudget = VolumeCommand.Bytes(parse.GetValue(budget)!),
                Compute = compute,
            };
            var fragments = parse.GetValue(fragment)!;
            string[] modelPaths = parse.GetValue(models)!.Select(m => m.FullName).ToArray();
            string outPath = parse.GetValue(output)!.FullName;
            if (parse.GetValue(cluster) is { } endpoints)
                return InkInferClusterCommand.Run(parse, stdout, endpoints, fragments, modelPaths, outPath, options, parse.GetValue(json));
            if (fragments.Length != 1)
                throw new ArgumentException($"--fragment is given {fragments.Length} times; one machine infers one fragment (add --cluster to spread several over the silos).");
            string fragmentPath = fragments[0].FullName;
            var result = Run(parse, fragmentPath, modelPaths, outPath, options, cancel);
            long? peak = ProcessMemory.PeakResidentBytes();
            var t = result.Seconds;
            if (parse.GetValue(json))
            {
                CommandLine.WriteJson(stdout, new
                {
                    fragment = fragmentPath,
                    models = modelPaths,
                    output = outPath,
                    result.Width,
                    result.Height,
                    result.Tiles,
                    result.Stride,
                    tta = parse.GetValue(tta),
                    result.ModelWindows,
                    result.Device,
                    backend = result.Backend.ToString(),
                    quantile = result.Quantile,
                    quantileSource = result.QuantileSource.ToString(),
                    result.Threshold,
                    result.InkPixels,
                    score = result.Score is { } score ? new { fBeta = score.FBeta, score.Precision, score.Recall, beta = score.Beta } : null,
                    files = new { npy = result.ProbabilityNpy, tiff = result.ProbabilityTiff, png = result.ProbabilityPng, ink = result.InkPng, overlay = result.OverlayPng },
                    seconds = t,
                    engineShare = t.EngineShare,
                    modelWindowsPerSecond = result.ModelWindowsPerSecond,
                    memory = new
                    {
                        budget = result.MemoryBudget,
                        maskAndGrid = result.FixedBytes,
                        tilerPeak = result.TilerPeakBytes,
                        stitcherBudget = result.StitcherBudget,
                        stitcherBandRows = result.StitcherBandRows,
                        outputs = result.OutputBytes,
                        peakResident = peak,
                    },
                });
                return 0;
            }
            string F(double v, string format) => v.ToString(format, CultureInfo.InvariantCulture);
            stdout.WriteLine($"{CommandLine.Count(result.Tiles)} windows (stride {result.Stride}) × {result.ModelWindows / result.Tiles} passes over {result.Width} × {result.Height} on {result.Device} (engine on {result.Backend}) -> {outPath}");
            stdout.WriteLine($"threshold {F(result.Threshold, "G6")} (quantile {F(result.Quantile, "G4")}, {Describe(result.QuantileSource)}): {CommandLine.Count(result.InkPixels)} ink pixels"
                + (result.Score is { } s2 ? $"; F0.5 {F(s2.FBeta, "F4")} (precision {F(s2.Precision, "F4")}, recall {F(s2.Recall, "F4")}) against inklabels.png" : ""));
            WriteTimings(stdout, result, peak);
            return 0;
        }));
        return command;
    }

    /// <summary>Inference's time, stages and memory as text; <c>engine demo</c> prints them too.</summary>
    internal static void WriteTimings(TextWriter stdout, InkInferenceResult result, long? peak)
    {
        var t = result.Seconds;
        string F(double v, string format) => v.ToString(format, CultureInfo.InvariantCulture);
        stdout.WriteLine($"time: {F(t.Total, "F2")} s total; model {F(t.Model, "F2")} s ({F(result.ModelWindowsPerSecond, "F1")} windows/s), engine {F(100 * t.EngineShare, "F1")} % of the wall time");
        stdout.WriteLine($"stages (s): setup {F(t.Setup, "F2")}, read {F(t.Read, "F2")}, tile+normalize {F(t.Tile, "F2")} (prefetch thread), wait {F(t.Wait, "F2")}, around the model (copies, tta, sigmoid, mean) {F(t.AroundModel, "F2")}, stitch {F(t.Stitch, "F2")}, threshold {F(t.Threshold, "F2")}, write {F(t.Write, "F2")}");
        stdout.WriteLine($"memory: budget {CommandLine.Count(result.MemoryBudget)} B; tiler peak {CommandLine.Count(result.TilerPeakBytes)}, stitcher {CommandLine.Count(result.StitcherBudget)} ({result.StitcherBandRows} rows a band), outputs {CommandLine.Count(result.OutputBytes)}"
            + (peak is { } rss ? $"; process peak RSS {CommandLine.Count(rss)} B" : ""));
    }

    /// <summary>Plans and runs <see cref="InkInference"/> with a progress bar over the plan's windows; <c>engine demo</c> infers through here too.</summary>
    internal static InkInferenceResult Run(ParseResult parse, string fragment, string[] models, string output, InkInferenceOptions options,
        CancellationToken cancellationToken)
    {
        try
        {
            var plan = InkInferencePlan.Create(fragment, models, options);
            using var bar = ProgressBar.Start(parse, "Inferring", plan.Grid.Count);
            var result = InkInference.Run(plan, output, bar, cancellationToken);
            Plots.ProbabilityHistogramPlot.WriteBeside(result, fragment);
            return result;
        }
        catch (ArgumentException e) when (e.Message.StartsWith("A memory budget of", StringComparison.Ordinal))
        {
            throw new ArgumentException($"--memory: {CommandLine.UserMessage(e)}", e);
        }
    }

    private static string Describe(InkQuantileSource source) => source switch
    {
        InkQuantileSource.Options => "--percentile",
        InkQuantileSource.Training => "chosen by validation in training",
        _ => "the default: the checkpoints hold no validation",
    };
}
