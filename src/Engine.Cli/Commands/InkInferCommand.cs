using System.CommandLine;
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
        var regionRows = InkInferClusterCommand.RegionRowsOption();
        var json = CommandLine.JsonOption();
        var command = new Command("infer", "Run ink models over a whole fragment: tiles at a stride, TTA, ×32 per-window upsampling, stitching in bands, percentile threshold; streams within a memory budget.")
        {
            fragment, models, output, tta, stride, percentile, inner, batch, budget, backend, cluster, regionRows, json,
        };
        command.SetAction(parse => CommandLine.Execute(parse, (stdout, cancel) =>
        {
            using var compute = CommandLine.CreateCompute(parse.GetValue(backend)!);
            var options = new InkInferenceOptions
            {
                Tta = Choice.Parse("--tta", parse.GetValue(tta)!, TtaNames),
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
                return InkInferClusterCommand.Run(parse, stdout, endpoints, fragments, modelPaths, outPath, options, parse.GetValue(regionRows), parse.GetValue(json));
            if (parse.GetValue(regionRows) is not null)
                throw new ArgumentException("--region-rows splits fragments over a cluster's silos; add --cluster.");
            if (fragments.Length != 1)
                throw new ArgumentException($"--fragment is given {fragments.Length} times; one machine infers one fragment (add --cluster to spread several over the silos).");
            string fragmentPath = fragments[0].FullName;
            var result = Run(parse, fragmentPath, modelPaths, outPath, options, cancel);
            InkInferResult.Of(result, fragmentPath, modelPaths, outPath, TtaName(options.Tta), ProcessMemory.PeakResidentBytes()).Write(stdout, parse.GetValue(json));
            return 0;
        }));
        return command;
    }

    /// <summary>--tta's names.</summary>
    private static readonly (string Name, InkTta Tta)[] TtaNames = [("none", InkTta.None), ("flips", InkTta.Flips), ("distributed", InkTta.Distributed)];

    internal static string TtaName(InkTta tta) => Array.Find(TtaNames, t => t.Tta == tta).Name;

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
}
