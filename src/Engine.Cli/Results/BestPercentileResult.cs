using System.Text.Json.Serialization;
using Engine.Segmentation;

namespace Engine.Cli.Results;

/// <summary><c>engine best-percentile</c>'s output: the best candidate and every candidate's scores.</summary>
internal sealed record BestPercentileResult(double BestPercentile, double BestThreshold, double BestFBeta,
    IReadOnlyList<BestPercentileResult.Candidate> Candidates) : CommandResult
{
    public sealed record Candidate(double Percentile, double Threshold, [property: JsonPropertyName("fbeta")] double FBeta, double Precision, double Recall);

    /// <summary>β of the sweep, for the text header (the JSON names the score fbeta).</summary>
    [JsonIgnore]
    public double Beta { get; init; }

    /// <summary>The best candidate's index, marked in the text form.</summary>
    [JsonIgnore]
    public int BestIndex { get; init; }

    public BestPercentileResult(PercentileSweep sweep, double beta)
        : this(sweep.BestQuantile, sweep.BestThreshold, sweep.Best.FBeta, sweep.Quantiles.Select((q, i) =>
            new Candidate(q, sweep.Thresholds[i], sweep.Scores[i].FBeta, sweep.Scores[i].Precision, sweep.Scores[i].Recall)).ToArray())
    {
        Beta = beta;
        BestIndex = sweep.BestIndex;
    }

    public override void WriteText(TextWriter output)
    {
        output.WriteLine($"{"percentile",10} {"threshold",12} {"precision",10} {"recall",10} {"F" + Beta,10}");
        for (int i = 0; i < Candidates.Count; i++)
        {
            var c = Candidates[i];
            output.WriteLine($"{c.Percentile,10:F4} {c.Threshold,12:F6} {c.Precision,10:F6} {c.Recall,10:F6} {c.FBeta,10:F6}{(i == BestIndex ? "  <- best" : "")}");
        }
    }
}
