using System.Text.Json.Serialization;
using Engine.Torch.Ink;

namespace Engine.Cli.Results;

/// <summary><c>engine demo</c>'s output: training, inference and the held-out score of the synthetic fragment, and each stage's time.</summary>
/// <param name="Inference">The inference's own output, whose timing lines the text form prints.</param>
internal sealed record DemoResult(int Size, int Slices, int[] HeldOutColumns, int Epochs, int Steps, double FirstEpochLoss, double LastEpochLoss,
    double TrainingTilesPerSecond, double Quantile, double TrainingFBeta, double Threshold, long Positives, double HeldOutFBeta,
    double HeldOutPrecision, double HeldOutRecall, double AllInkFBeta, double ModelWindowsPerSecond, double EngineShare, string Backend,
    string Output, long? PeakResidentBytes, DemoResult.StageSeconds Seconds,
    [property: JsonIgnore] InkInferResult Inference) : CommandResult
{
    /// <summary>Seconds of each step; <paramref name="Percentile"/> is choosing the percentile and scoring.</summary>
    public sealed record StageSeconds(double Generate, double Train, double Infer, InkStageSeconds InferStages, double Percentile, double Total);

    public override void WriteText(TextWriter output)
    {
        output.Write("inference: ");
        Inference.WriteTimings(output);
        output.WriteLine($"quantile {F(Quantile, "F2")} (best F0.5 on the training part, {F(TrainingFBeta, "F4")}): threshold {F(Threshold, "G6")}, {CommandLine.Count(Positives)} ink pixels");
        output.WriteLine($"held-out F0.5 (columns {HeldOutColumns[0]}..{HeldOutColumns[1] - 1}): {F(HeldOutFBeta, "F4")}  precision {F(HeldOutPrecision, "F4")}  recall {F(HeldOutRecall, "F4")}  (calling everything ink: {F(AllInkFBeta, "F4")})");
        output.WriteLine($"wrote prob.tif, prob.png, ink.png, overlay.png to {Output}; the fragment in fragment/, the model in model/");
        output.WriteLine($"time: generate {F(Seconds.Generate, "F1")} s, train {F(Seconds.Train, "F1")} s, infer {F(Seconds.Infer, "F1")} s (engine {F(100 * EngineShare, "F1")} %), percentile and score {F(Seconds.Percentile, "F2")} s; total {F(Seconds.Total, "F1")} s"
            + (PeakResidentBytes is { } rss ? $"; process peak RSS {CommandLine.Count(rss)} B (training's)" : ""));
    }
}
