using System.Runtime.InteropServices;

namespace Engine.Torch.Ink;

/// <summary>
/// Validation as inference does it: the validation tiles go through the same predictor (<see cref="TorchInkEnsemble"/>,
/// sigmoid in torch), their probabilities are stitched at full resolution by the engine's
/// <see cref="SlidingWindowStitcher"/> (×32 bilinear per tile with align_corners=True, the 2nd-place solution's
/// upsampling, overlaps averaged), and <see cref="BestPercentile"/> picks the quantile threshold with the best F-β
/// over the strip. With a kernel backend the tiles are normalized and the maps stitched by the ILGPU kernels.
/// </summary>
internal static class InkValidation
{
    /// <summary>One probability map per fragment (0 outside its validation strip's mask).</summary>
    /// <exception cref="NonFiniteValueException">A batch of predictions is NaN or infinite twice in a row.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public static float[][] Predict(InkModel model, InkTileSet set, int batchSize, int epoch, Engine.Compute.ComputeContext? compute,
        CancellationToken cancellationToken = default)
    {
        int cells = set.Input.Tile / InkModelConfig.OutputStride, perTile = cells * cells;
        var options = InkModelConfig.Stitching();
        var stitchers = set.Fragments.Select(f => new SlidingWindowStitcher(f.Height, f.Width, cells, cells, options, compute)).ToArray();
        using var predictor = new TorchInkEnsemble([model], set.Input);
        var probabilities = new float[batchSize * perTile];
        for (int start = 0; start < set.Valid.Count; start += batchSize)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var tiles = set.Valid.Skip(start).Take(batchSize).ToArray();
            var predicted = probabilities.AsSpan(0, tiles.Length * perTile);
            Probabilities(predictor, set, tiles, compute, predicted, epoch, start / batchSize);
            foreach (var group in Enumerable.Range(0, tiles.Length).GroupBy(i => tiles[i].Fragment))
            {
                var indices = group.ToArray();
                var selected = new float[indices.Length * perTile];
                for (int j = 0; j < indices.Length; j++)
                    predicted.Slice(indices[j] * perTile, perTile).CopyTo(selected.AsSpan(j * perTile, perTile));
                var origins = indices.SelectMany(i => new[] { tiles[i].Origin.Y, tiles[i].Origin.X }).ToArray();
                stitchers[group.Key].Add(selected, origins);
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
        var sweep = BestPercentile.Find(probabilities.ToArray(), truth.ToArray(), HeldOutScore.QuantileCandidates, beta: beta);
        return new InkValidationScore(sweep.Best.FBeta, sweep.Best.Precision, sweep.Best.Recall, sweep.BestQuantile, sweep.BestThreshold);
    }

    /// <summary>
    /// The batch's probabilities. A non-finite batch is run once more before giving up: libtorch has produced
    /// NaN at random on this CPU and then run clean on the same input (docs/architecture.md).
    /// </summary>
    private static void Probabilities(TorchInkEnsemble predictor, InkTileSet set, InkTile[] tiles, Engine.Compute.ComputeContext? compute,
        Span<float> probabilities, int epoch, int batch)
    {
        using var scope = NewDisposeScope();
        var images = InkBatch.Build(set, tiles, compute: compute).Images;
        var pixels = MemoryMarshal.Cast<byte, float>(images.bytes);
        for (int attempt = 0; attempt < 2; attempt++)
        {
            predictor.Predict(pixels, tiles.Length, 0, probabilities);
            if (IsFinite(probabilities))
                return;
        }
        throw new NonFiniteValueException($"The model's predictions on validation batch {batch + 1} of epoch {epoch} are NaN or infinite (twice).");
    }

    private static bool IsFinite(ReadOnlySpan<float> values)
    {
        foreach (float value in values)
        {
            if (!float.IsFinite(value))
                return false;
        }
        return true;
    }
}
