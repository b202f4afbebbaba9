using System.Text.Json.Serialization;
using Engine.Compute;
using Engine.Torch.Ink;

namespace Engine.Cli.Results;

/// <summary><c>engine ink infer</c>'s output: the inference's size, threshold, score, files, stage times and memory.</summary>
internal sealed record InkInferResult(string Fragment, string[] Models, string Output, int Width, int Height, int Tiles, int Stride, string Tta,
    long ModelWindows, string Device, [property: JsonConverter(typeof(JsonStringEnumConverter<ComputeBackend>))] ComputeBackend Backend,
    double Quantile, [property: JsonConverter(typeof(JsonStringEnumConverter<InkQuantileSource>))] InkQuantileSource QuantileSource,
    double Threshold, long InkPixels, InkInferResult.LabelScore? Score, InkInferResult.OutputFiles Files, InkStageSeconds Seconds, double EngineShare,
    double ModelWindowsPerSecond, InkInferResult.MemoryUse Memory) : CommandResult
{
    /// <summary>The map's score against the fragment's inklabels.png.</summary>
    public sealed record LabelScore(double FBeta, double Precision, double Recall, double Beta);

    public sealed record OutputFiles(string Npy, string Tiff, string Png, string Ink, string Overlay);

    /// <summary>Bytes: the budget, what the plan holds, and the process's peak resident set (null where the OS does not tell).</summary>
    public sealed record MemoryUse(long Budget, long MaskAndGrid, long TilerPeak, long StitcherBudget, int StitcherBandRows, long Outputs, long? PeakResident);

    /// <summary>The output of <paramref name="inference"/> of <paramref name="fragment"/> by <paramref name="models"/> with test-time augmentation <paramref name="tta"/>.</summary>
    public static InkInferResult Of(InkInferenceResult inference, string fragment, string[] models, string output, string tta, long? peakResident) => new(
        Fragment: fragment, Models: models, Output: output, Width: inference.Width, Height: inference.Height, Tiles: inference.Tiles,
        Stride: inference.Stride, Tta: tta, ModelWindows: inference.ModelWindows, Device: inference.Device, Backend: inference.Backend,
        Quantile: inference.Quantile, QuantileSource: inference.QuantileSource, Threshold: inference.Threshold, InkPixels: inference.InkPixels,
        Score: inference.Score is { } s ? new LabelScore(s.FBeta, s.Precision, s.Recall, s.Beta) : null,
        Files: new OutputFiles(inference.ProbabilityNpy, inference.ProbabilityTiff, inference.ProbabilityPng, inference.InkPng, inference.OverlayPng),
        Seconds: inference.Seconds, EngineShare: inference.Seconds.EngineShare, ModelWindowsPerSecond: inference.ModelWindowsPerSecond,
        Memory: new MemoryUse(inference.MemoryBudget, inference.FixedBytes, inference.TilerPeakBytes, inference.StitcherBudget,
            inference.StitcherBandRows, inference.OutputBytes, peakResident));

    public override void WriteText(TextWriter output)
    {
        output.WriteLine($"{CommandLine.Count(Tiles)} windows (stride {Stride}) × {ModelWindows / Tiles} passes over {Width} × {Height} on {Device} (engine on {Backend}) -> {Output}");
        output.WriteLine($"threshold {F(Threshold, "G6")} (quantile {F(Quantile, "G4")}, {Describe(QuantileSource)}): {CommandLine.Count(InkPixels)} ink pixels"
            + (Score is { } s ? $"; F0.5 {F(s.FBeta, "F4")} (precision {F(s.Precision, "F4")}, recall {F(s.Recall, "F4")}) against inklabels.png" : ""));
        WriteTimings(output);
    }

    /// <summary>The time, stages and memory lines; <c>engine demo</c> prints them too.</summary>
    public void WriteTimings(TextWriter output)
    {
        var t = Seconds;
        output.WriteLine($"time: {F(t.Total, "F2")} s total; model {F(t.Model, "F2")} s ({F(ModelWindowsPerSecond, "F1")} windows/s), engine {F(100 * t.EngineShare, "F1")} % of the wall time");
        output.WriteLine($"stages (s): setup {F(t.Setup, "F2")}, read {F(t.Read, "F2")}, tile+normalize {F(t.Tile, "F2")} (prefetch thread), wait {F(t.Wait, "F2")}, around the model (copies, tta, sigmoid, mean) {F(t.AroundModel, "F2")}, stitch {F(t.Stitch, "F2")}, threshold {F(t.Threshold, "F2")}, write {F(t.Write, "F2")}");
        output.WriteLine($"memory: budget {CommandLine.Count(Memory.Budget)} B; tiler peak {CommandLine.Count(Memory.TilerPeak)}, stitcher {CommandLine.Count(Memory.StitcherBudget)} ({Memory.StitcherBandRows} rows a band), outputs {CommandLine.Count(Memory.Outputs)}"
            + (Memory.PeakResident is { } rss ? $"; process peak RSS {CommandLine.Count(rss)} B" : ""));
    }

    private static string Describe(InkQuantileSource source) => source switch
    {
        InkQuantileSource.Options => "--percentile",
        InkQuantileSource.Training => "chosen by validation in training",
        _ => "the default: the checkpoints hold no validation",
    };
}
