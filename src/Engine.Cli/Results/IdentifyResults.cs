using System.Globalization;
using Engine.Search;
using Engine.Torch.Identity;

namespace Engine.Cli.Results;

/// <summary><c>engine identify train</c>'s output: the fields of <see cref="IdentityTrainingResult"/>.</summary>
internal sealed record IdentifyTrainResult(IReadOnlyList<IdentityEpoch> Epochs, IReadOnlyList<float> StepLosses, int Skipped, string ModelDirectory,
    int TrainImages, int Classes, int ValidationQueries, double Seconds, double LoadSeconds) : CommandResult
{
    public static IdentifyTrainResult From(IdentityTrainingResult r) =>
        new(r.Epochs, r.StepLosses, r.Skipped, r.ModelDirectory, r.TrainImages, r.Classes, r.ValidationQueries, r.Seconds, r.LoadSeconds);

    public override void WriteText(TextWriter output) =>
        output.WriteLine($"trained {Epochs.Count} epochs on {TrainImages} images of {Classes} individuals in {IdentifyText.F(Seconds, "F1")} s; model in {ModelDirectory}");
}

/// <summary><c>engine identify embed</c>'s output.</summary>
internal sealed record IdentifyEmbedResult(string Output, int Rows, int Dimension) : CommandResult
{
    public override void WriteText(TextWriter output) => output.WriteLine($"wrote {Rows} × {Dimension} embeddings to {Output}");
}

/// <summary><c>engine identify predict</c>'s output.</summary>
internal sealed record IdentifyPredictResult(string Submission, int Images, double Threshold, IReadOnlyDictionary<string, double> SpeciesThresholds,
    int NewIndividualFirst, IReadOnlyList<IdentityPseudoRound> PseudoRounds, IdentityStageSeconds Seconds) : CommandResult
{
    public double EngineShare => Seconds.EngineShare;

    public override void WriteText(TextWriter output)
    {
        foreach (var r in PseudoRounds)
            output.WriteLine($"pseudo-label round {r.Round}: {r.Added} test images added; valid MAP@5 {IdentifyText.F(r.ValidMap)}{(r.Kept ? "" : ", below the previous model's: not used, rounds stopped")}");
        output.WriteLine($"wrote {Images} predictions to {Submission} (threshold {IdentifyText.F(Threshold, "F2")}; new_individual first for {NewIndividualFirst})");
        var s = Seconds;
        output.WriteLine($"time: load {IdentifyText.F(s.Load, "F2")} s, decode {IdentifyText.F(s.Decode, "F2")} s (waited {IdentifyText.F(s.Wait, "F2")} s), model {IdentifyText.F(s.Model, "F2")} s, search {IdentifyText.F(s.Search, "F3")} s, ranking {IdentifyText.F(s.Ranking, "F3")} s, write {IdentifyText.F(s.Write, "F3")} s; total {IdentifyText.F(s.Total, "F2")} s (engine {IdentifyText.F(100 * EngineShare, "F1")} %)");
    }

    /// <summary>How many predictions put new_individual first.</summary>
    public static int CountNewFirst(IdentityPrediction prediction) => prediction.Predictions.Count(p => p[0] == IdentityRanking.NewIndividual);
}

/// <summary><c>engine identify score</c>'s output.</summary>
internal sealed record IdentifyScoreResult(double Map5) : CommandResult
{
    public override void WriteText(TextWriter output) => output.WriteLine($"MAP@5 {IdentifyText.F(Map5)}");
}

/// <summary><c>engine demo identify</c>'s output.</summary>
internal sealed record DemoIdentifyResult(int TrainImages, int TestImages, int UnseenTestImages, int Epochs, double FirstEpochLoss, double LastEpochLoss,
    double? ValidMap5, double Threshold, double FirstMap5, IReadOnlyList<DemoIdentifyResult.PseudoRound> PseudoRounds, double Map5, double BaselineMap5,
    double BaselineThreshold, string Submission, DemoIdentifyResult.StageSeconds Seconds, double EngineShare) : CommandResult
{
    /// <summary>A pseudo-label round, scored on the test truth as well.</summary>
    public sealed record PseudoRound(int Round, int Added, double ValidMap, bool Kept, double TestMap5);

    public sealed record StageSeconds(double Generate, double Train, double Predict, IdentityStageSeconds PredictStages, double Baseline, double Total);

    /// <summary>The baseline's threshold-sweep plot (text only: the JSON never had it).</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public string SweepPlot { get; init; } = "";

    public override void WriteText(TextWriter output)
    {
        if (PseudoRounds.Count > 0)
            output.WriteLine($"before pseudo-labelling: test MAP@5 {IdentifyText.F(FirstMap5)}, valid MAP@5 {IdentifyText.F(ValidMap5 ?? double.NaN)}");
        foreach (var r in PseudoRounds)
            output.WriteLine($"pseudo-label round {r.Round}: {r.Added} test images added; valid MAP@5 {IdentifyText.F(r.ValidMap)}, test MAP@5 {IdentifyText.F(r.TestMap5)}{(r.Kept ? "" : " (valid MAP@5 fell: not used, rounds stopped)")}");
        output.WriteLine($"test MAP@5 {IdentifyText.F(Map5)} (threshold {IdentifyText.F(Threshold, "F2")} chosen on the validation split); raw-pixel baseline {IdentifyText.F(BaselineMap5)} (its best threshold on the test truth, {IdentifyText.F(BaselineThreshold, "F2")})");
        output.WriteLine($"wrote {Submission} and {SweepPlot}");
        output.WriteLine($"time: generate {IdentifyText.F(Seconds.Generate, "F1")} s, train {IdentifyText.F(Seconds.Train, "F1")} s, predict {IdentifyText.F(Seconds.Predict, "F1")} s (engine {IdentifyText.F(100 * EngineShare, "F1")} %), baseline {IdentifyText.F(Seconds.Baseline, "F1")} s; total {IdentifyText.F(Seconds.Total, "F1")} s");
    }
}

/// <summary>Number formatting of the identify commands' text.</summary>
internal static class IdentifyText
{
    public static string F(double value, string format = "F4") => value.ToString(format, CultureInfo.InvariantCulture);
}
