using Engine.Kernels.Segmentation;
using ILGPU;
using ILGPU.Runtime;

namespace Engine.Segmentation;

/// <summary>The result of <see cref="BestPercentile.Find"/>: one entry per candidate, in the order given.</summary>
/// <param name="Quantiles">The candidate quantiles.</param>
/// <param name="Thresholds">Each candidate's threshold (the quantile of the masked probabilities).</param>
/// <param name="Scores">Each candidate's confusion counts and scores.</param>
public sealed record PercentileSweep(double[] Quantiles, double[] Thresholds, BinaryScores[] Scores)
{
    /// <summary>Index of the candidate with the highest F-β; the lowest quantile among equals.</summary>
    public int BestIndex
    {
        get
        {
            int best = 0;
            for (int i = 1; i < Scores.Length; i++)
            {
                double score = Scores[i].FBeta, bestScore = Scores[best].FBeta;
                if (score > bestScore || (score == bestScore && Quantiles[i] < Quantiles[best]))
                    best = i;
            }
            return best;
        }
    }

    /// <summary>The best candidate's quantile.</summary>
    public double BestQuantile => Quantiles[BestIndex];

    /// <summary>The best candidate's threshold.</summary>
    public double BestThreshold => Thresholds[BestIndex];

    /// <summary>The best candidate's scores.</summary>
    public BinaryScores Best => Scores[BestIndex];
}
