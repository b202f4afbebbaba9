using System.Text.Json.Serialization;
using Engine.Segmentation;

namespace Engine.Cli.Results;

/// <summary><c>engine fbeta</c>'s output.</summary>
internal sealed record FBetaResult(double Beta, [property: JsonPropertyName("fbeta")] double FBeta, double Precision, double Recall, double Dice,
    long TruePositives, long FalsePositives, long FalseNegatives, long TrueNegatives) : CommandResult
{
    public FBetaResult(BinaryScores scores)
        : this(scores.Beta, scores.FBeta, scores.Precision, scores.Recall, scores.Dice,
            scores.TruePositives, scores.FalsePositives, scores.FalseNegatives, scores.TrueNegatives)
    {
    }

    public override void WriteText(TextWriter output)
    {
        output.WriteLine($"F{Beta} {FBeta:F6}  precision {Precision:F6}  recall {Recall:F6}  Dice {Dice:F6}");
        output.WriteLine($"TP {CommandLine.Count(TruePositives)}  FP {CommandLine.Count(FalsePositives)}  FN {CommandLine.Count(FalseNegatives)}  TN {CommandLine.Count(TrueNegatives)}");
    }
}
