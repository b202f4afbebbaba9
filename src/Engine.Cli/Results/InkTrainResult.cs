using System.Globalization;
using System.Text.Json.Serialization;
using Engine.Torch.Ink;

namespace Engine.Cli.Results;

/// <summary><c>engine ink train</c>'s output: the model's settings, every epoch, the best validation score and the speed.</summary>
internal sealed record InkTrainResult(string[] Fragments, string Model, string Slices, int Tile, int Groups, string Labels, string Backend,
    IReadOnlyList<InkEpoch> Epochs, InkValidationScore? Best, int BestEpoch, int SkippedSteps, int TrainTiles, int ValidTiles, int Steps,
    double SecondsPerStep, double TilesPerSecond, double Seconds) : CommandResult
{
    /// <summary>Tiles per step, for the text form.</summary>
    [JsonIgnore]
    public int BatchSize { get; init; }

    public override void WriteText(TextWriter output)
    {
        string score = Best is { } best
            ? string.Create(CultureInfo.InvariantCulture, $"best valid F0.5 {best.FBeta:F3} at epoch {BestEpoch} (quantile {best.Quantile:F2}, threshold {best.Threshold:F3})")
            : "no validation (--folds 1)";
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"trained {Epochs.Count} epochs, {Steps} steps of {BatchSize} tiles ({TilesPerSecond:F1} tiles/s) on {TrainTiles} tiles in {Seconds:F1} s; {score}; skipped {SkippedSteps} steps; model in {Model}"));
    }
}
