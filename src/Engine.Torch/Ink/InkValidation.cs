using Engine.Segmentation;
using static TorchSharp.torch;

namespace Engine.Torch.Ink;

/// <summary>How a model scores on the held-out strip: F-β at the best percentile threshold.</summary>
/// <param name="FBeta">F-β (F0.5 by default) of the thresholded map against inklabels.png within the strip's mask.</param>
/// <param name="Precision">Precision at that threshold.</param>
/// <param name="Recall">Recall at that threshold.</param>
/// <param name="Percentile">The best percentile q: pixels above the q-quantile of the strip's probabilities are ink.</param>
/// <param name="Threshold">The probability that quantile is.</param>
public sealed record InkValidationScore(double FBeta, double Precision, double Recall, double Percentile, double Threshold);

/// <summary>
/// Validation as inference does it: the validation tiles' 1/32 logits are stitched at full resolution by the
/// engine's <see cref="SlidingWindowStitcher"/> (sigmoid, then ×32 bilinear per tile with align_corners=True, the
/// 2nd-place solution's upsampling, overlaps averaged), and <see cref="BestPercentile"/> picks the percentile
/// threshold with the best F-β over the strip.
/// </summary>
internal static class InkValidation
{
    /// <summary>One probability map per fragment (0 outside its validation strip's mask).</summary>
    /// <exception cref="InkNonFiniteException">A batch of predictions is NaN or infinite twice in a row.</exception>
    public static float[][] Predict(InkModel model, InkTileSet set, int batchSize, Device device, int epoch)
    {
        int cells = set.Input.Tile / InkModelConfig.OutputStride;
        var options = InkModelConfig.Stitching(StitchActivation.SigmoidBeforeUpsample);
        var stitchers = set.Fragments.Select(f => new SlidingWindowStitcher(f.Height, f.Width, cells, cells, options)).ToArray();
        model.eval();
        using var _ = no_grad();
        for (int start = 0; start < set.Valid.Count; start += batchSize)
        {
            using var scope = NewDisposeScope();
            var tiles = set.Valid.Skip(start).Take(batchSize).ToArray();
            var images = InkBatch.Build(set, tiles).Images.to(device);
            float[] logits = Logits(model, images, epoch, start / batchSize);
            foreach (var group in Enumerable.Range(0, tiles.Length).GroupBy(i => tiles[i].Fragment))
            {
                var indices = group.ToArray();
                var predictions = indices.SelectMany(i => logits.AsSpan(i * cells * cells, cells * cells).ToArray()).ToArray();
                var origins = indices.SelectMany(i => new[] { tiles[i].Origin.Y, tiles[i].Origin.X }).ToArray();
                stitchers[group.Key].Add(predictions, origins);
            }
        }
        return stitchers.Select((s, f) => s.Finish(set.Fragments[f].Scored)).ToArray();
    }

    /// <summary>F-β at the best percentile over every fragment's validation pixels together.</summary>
    public static InkValidationScore Score(float[][] maps, InkTileSet set, double beta)
    {
        var probabilities = new List<float>();
        var truth = new List<byte>();
        for (int f = 0; f < maps.Length; f++)
        {
            var scored = set.Fragments[f].Scored;
            var labels = set.Fragments[f].Labels;
            for (int i = 0; i < scored.Length; i++)
            {
                if (scored[i] == 0)
                    continue;
                probabilities.Add(maps[f][i]);
                truth.Add(labels[i]);
            }
        }
        var sweep = BestPercentile.Find(probabilities.ToArray(), truth.ToArray(), HeldOutScore.PercentileCandidates, beta: beta);
        return new InkValidationScore(sweep.Best.FBeta, sweep.Best.Precision, sweep.Best.Recall, sweep.BestQuantile, sweep.BestThreshold);
    }

    /// <summary>
    /// The batch's logits on the CPU. A non-finite batch is run once more before giving up: libtorch has produced
    /// NaN at random on this CPU and then run clean on the same input (docs/architecture.md).
    /// </summary>
    private static float[] Logits(InkModel model, Tensor images, int epoch, int batch)
    {
        for (int attempt = 0; attempt < 2; attempt++)
        {
            using var logits = model.forward(images);
            if (logits.isfinite().all().item<bool>())
                return logits.to(ScalarType.Float32, CPU).contiguous().data<float>().ToArray();
        }
        throw new InkNonFiniteException($"The model's predictions on validation batch {batch + 1} of epoch {epoch} are NaN or infinite (twice).", epoch, batch + 1);
    }
}
