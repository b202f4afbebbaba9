namespace Engine.Torch.Ink;

/// <summary>
/// Scores a fragment's probability map the honest way: the percentile threshold is chosen where the model trained
/// (the mask outside the held-out columns) and judged where it did not (the mask inside them), so no number on the
/// held-out part was tuned on it.
/// </summary>
/// <param name="Quantile">The quantile q with the best F0.5 on the trained part.</param>
/// <param name="TrainedFBeta">That best F0.5, on the trained part.</param>
/// <param name="Threshold">The q-quantile of the map within the whole mask: pixels above it are ink.</param>
/// <param name="Ink">The thresholded map, 1 = ink, row-major.</param>
/// <param name="Positives">Ink pixels.</param>
/// <param name="HeldOut">F0.5, precision and recall on the held-out columns.</param>
/// <param name="AllInk">The same scores for calling every held-out pixel ink, the trivial predictor to beat.</param>
public sealed record HeldOutScore(double Quantile, double TrainedFBeta, double Threshold, byte[] Ink, long Positives,
    BinaryScores HeldOut, BinaryScores AllInk)
{
    /// <summary>The quantiles tried: 0.50, 0.51, …, 0.99 (validation during training tries the same).</summary>
    public static IReadOnlyList<double> Candidates => QuantileCandidates;

    internal static readonly double[] QuantileCandidates = Enumerable.Range(50, 50).Select(p => p / 100.0).ToArray();

    /// <summary>Chooses the percentile on the trained part, thresholds the map, and scores the held-out columns.</summary>
    /// <param name="map">The probability map, row-major, the mask's size.</param>
    /// <param name="mask">The fragment mask (non-zero = fragment).</param>
    /// <param name="truth">The ink labels (non-zero = ink), the mask's size.</param>
    /// <param name="heldOut">The held-out columns [From, To), as <see cref="InkTrainerOptions.ValidationColumns"/> gives them.</param>
    /// <returns>The percentile, the thresholded map and both scores.</returns>
    /// <exception cref="ArgumentException">The sizes differ, or the held-out columns are empty or outside the map.</exception>
    public static HeldOutScore Evaluate(ReadOnlySpan<float> map, GrayImage<byte> mask, GrayImage<byte> truth, (int From, int To) heldOut)
    {
        int width = mask.Width;
        if (map.Length != mask.Pixels.Length || truth.Pixels.Length != mask.Pixels.Length || truth.Width != width)
            throw new ArgumentException($"The map ({map.Length:N0} values), the mask ({mask.Width}×{mask.Height}) and the labels ({truth.Width}×{truth.Height}) must be one size.");
        if (heldOut.From < 0 || heldOut.To > width || heldOut.From >= heldOut.To)
            throw new ArgumentException($"The held-out columns {heldOut.From}..{heldOut.To - 1} are not inside the map's 0..{width - 1}.", nameof(heldOut));
        var trained = new byte[mask.Pixels.Length];
        var held = new byte[mask.Pixels.Length];
        for (int i = 0; i < trained.Length; i++)
        {
            int x = i % width;
            (x >= heldOut.From && x < heldOut.To ? held : trained)[i] = mask.Pixels[i];
        }
        var sweep = BestPercentile.Find(map, truth.Pixels, QuantileCandidates, trained, 0.5);
        double threshold = Segmentation.Quantile.Compute(map, sweep.BestQuantile, mask.Pixels);
        var ink = new byte[map.Length];
        long positives = Segmentation.Threshold.Apply(map, threshold, mask.Pixels, ink);
        return new HeldOutScore(sweep.BestQuantile, sweep.Best.FBeta, threshold, ink, positives,
            FBeta.Score(ink, truth.Pixels, held, 0.5), FBeta.Score(mask.Pixels, truth.Pixels, held, 0.5));
    }
}
