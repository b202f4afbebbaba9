using Engine.IO;
using Engine.Segmentation;

namespace Engine.Benchmarks.Segmentation;

/// <summary>
/// <c>stitch-difference</c>: how far the fast mode is from the per-tile mode on the stitch benchmark's windows, for
/// the benchmark's uniform random predictions and for real-looking ones (docs/performance.md).
/// </summary>
internal static class StitchModeDifference
{
    private const int Size = 8192, Tile = 8, Factor = 32;

    public static int Run()
    {
        string folder = BenchmarkData.For("stitch");
        var random = NpyFile.ReadFloat32(Path.Combine(folder, "preds.npy")).Data;
        var origins = NpyFile.ReadInt32(Path.Combine(folder, "coords.npy")).Data;
        var realLooking = RealLooking(origins);
        foreach (bool alignCorners in new[] { true, false })
        {
            foreach (var (name, predictions) in new[] { ("uniform random", random), ("real-looking", realLooking) })
            {
                float[] Stitch(StitchUpsampleMode mode) => SlidingWindowStitcher.Stitch(predictions, origins, Size, Size, Tile, Tile,
                    new StitchOptions { Factor = Factor, AlignCorners = alignCorners, UpsampleMode = mode });
                var perTile = Stitch(StitchUpsampleMode.PerTile);
                var fast = Stitch(StitchUpsampleMode.Fast);
                double max = 0, sum = 0;
                long over = 0;
                for (int i = 0; i < perTile.Length; i++)
                {
                    double d = Math.Abs(perTile[i] - fast[i]);
                    max = Math.Max(max, d);
                    sum += d;
                    over += d > 0.01 ? 1 : 0;
                }
                Console.WriteLine($"{name}, align_corners={alignCorners}: max |per-tile − fast| = {max:G3}, mean = {sum / perTile.Length:G3}, pixels > 0.01: {100.0 * over / perTile.Length:F1}%");
            }
        }
        return 0;
    }

    /// <summary>
    /// Every window predicts a smooth ink field at its low-resolution pixel centres (the sigmoid of a sum of waves)
    /// plus ±0.25 logit of noise of its own, as overlapping windows of a real model disagree.
    /// </summary>
    private static float[] RealLooking(int[] origins)
    {
        var random = new Random(7);
        int n = origins.Length / 2;
        var predictions = new float[n * Tile * Tile];
        for (int k = 0; k < n; k++)
        {
            for (int i = 0; i < Tile; i++)
            {
                for (int j = 0; j < Tile; j++)
                {
                    double y = origins[2 * k] + Factor * i + Factor / 2, x = origins[2 * k + 1] + Factor * j + Factor / 2;
                    double z = 3 * Math.Sin(y / 300.0) * Math.Cos(x / 170.0) + 2 * Math.Sin((x + y) / 90.0) - 1;
                    double noise = 0.5 * (random.NextDouble() - 0.5);
                    predictions[(k * Tile + i) * Tile + j] = (float)(1 / (1 + Math.Exp(-(z + noise))));
                }
            }
        }
        return predictions;
    }
}
