
namespace Engine.Segmentation;

/// <summary>
/// The confusion counts of a binary prediction against the truth, and the scores made from them.
/// A score whose denominator is 0 is 0 (scikit-learn's <c>zero_division=0</c>).
/// </summary>
/// <param name="TruePositives">Pixels predicted and truly positive.</param>
/// <param name="FalsePositives">Pixels predicted positive but negative in the truth.</param>
/// <param name="FalseNegatives">Pixels positive in the truth but not predicted.</param>
/// <param name="TrueNegatives">Pixels negative in both.</param>
/// <param name="Beta">The β of <see cref="FBeta"/>: recall weighs β times as much as precision.</param>
public readonly record struct BinaryScores(long TruePositives, long FalsePositives, long FalseNegatives, long TrueNegatives, double Beta)
{
    /// <summary>TP / (TP + FP).</summary>
    public double Precision => Ratio(TruePositives, TruePositives + FalsePositives);

    /// <summary>TP / (TP + FN).</summary>
    public double Recall => Ratio(TruePositives, TruePositives + FalseNegatives);

    /// <summary>
    /// (1 + β²)·P·R / (β²·P + R), evaluated in scikit-learn's order (<c>fbeta_score</c>, 1.2) so the float64
    /// result is the same to the last bit; 0 when P and R are both 0.
    /// </summary>
    public double FBeta
    {
        get
        {
            double beta2 = Beta * Beta;
            double precision = Precision, recall = Recall;
            double denominator = beta2 * precision + recall;
            return denominator == 0 ? 0 : (1 + beta2) * precision * recall / denominator;
        }
    }

    /// <summary>2·TP / (2·TP + FP + FN), the F1 score.</summary>
    public double Dice => Ratio(2 * TruePositives, 2 * TruePositives + FalsePositives + FalseNegatives);

    /// <summary>Pixels counted: all four cells.</summary>
    public long Total => TruePositives + FalsePositives + FalseNegatives + TrueNegatives;

    private static double Ratio(long numerator, long denominator) => denominator == 0 ? 0 : (double)numerator / denominator;
}
