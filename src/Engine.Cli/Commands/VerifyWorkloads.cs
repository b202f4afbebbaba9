using Engine.Compute;
using Engine.Detection;
using Engine.Search;
using Engine.Segmentation;
using Engine.Torch.Ink;
using Engine.Volumes;

namespace Engine.Cli.Commands;

/// <summary>
/// The synthetic inputs of <c>engine verify</c>'s kernel rows beyond the percentile map, each sized from <c>--size</c>
/// (the map's side S) so that S = 32 runs in seconds on the CPU accelerator and S = 8192 is a real GPU workload.
/// </summary>
internal static class VerifyWorkloads
{
    /// <summary>max(1, S/4) images of 3 models × 24 boxes in 4 labels: clustered boxes so fusion has real work.</summary>
    public static DetectionBatch Detections(int side)
    {
        var random = new Random(11);
        var images = new ImagePredictions[Math.Max(1, side / 4)];
        for (int i = 0; i < images.Length; i++)
        {
            var models = new ModelPredictions[3];
            for (int m = 0; m < models.Length; m++)
            {
                const int count = 24;
                var boxes = new double[count * 4];
                var scores = new double[count];
                var labels = new int[count];
                for (int b = 0; b < count; b++)
                {
                    // Eight objects per image, each seen by every model with jitter, so clusters form and grow.
                    var objects = new Random(1000 * i + b % 8);
                    double x = objects.NextDouble() * 0.8, y = objects.NextDouble() * 0.8, w = 0.05 + objects.NextDouble() * 0.15;
                    double jx = (random.NextDouble() - 0.5) * 0.02, jy = (random.NextDouble() - 0.5) * 0.02;
                    (boxes[4 * b], boxes[4 * b + 1], boxes[4 * b + 2], boxes[4 * b + 3]) = (x + jx, y + jy, x + jx + w, y + jy + w);
                    scores[b] = random.NextDouble();
                    labels[b] = b % 4;
                }
                models[m] = new ModelPredictions(boxes, scores, labels);
            }
            images[i] = new ImagePredictions(models, [2, 1, 1]);
        }
        return new DetectionBatch(images);
    }

    /// <summary>Dimension of the search rows.</summary>
    public const int SearchDimension = 128;

    /// <summary>Results per query.</summary>
    public const int SearchK = 10;

    /// <summary>The index a backend searches: its rows on the device (<see cref="DeviceCosineIndex"/>) with kernels, else in host memory.</summary>
    public static ICosineIndex IndexOn(ComputeContext compute, int dimension) =>
        compute.UsesKernels ? new DeviceCosineIndex(compute, dimension) : new CosineIndex(dimension);

    /// <summary>32·S rows and S/8 queries (at least 4), uniform in [−1, 1).</summary>
    public static (float[] Rows, float[] Queries) Embeddings(int side)
    {
        var random = new Random(5);
        var rows = new float[32L * side * SearchDimension];
        var queries = new float[Math.Max(4, side / 8) * SearchDimension];
        foreach (var values in new[] { rows, queries })
            for (long i = 0; i < values.LongLength; i++)
                values[i] = (float)(random.NextDouble() * 2 - 1);
        return (rows, queries);
    }

    /// <summary>Upsampling factor of the stitched predictions.</summary>
    public const int StitchFactor = 4;

    /// <summary>
    /// An S × S map covered by windows of W = clamp(S/2, 8, 256) (rounded down to the factor) at stride W/2; each
    /// prediction is W/4 × W/4, upsampled ×4 bilinearly and Gaussian-weighted.
    /// </summary>
    public static (float[] Predictions, int[] Origins, int Window, StitchOptions Options) Windows(int side)
    {
        int window = Math.Clamp(side / 2, 8, 256) / StitchFactor * StitchFactor;
        int stride = window / 2, tile = window / StitchFactor;
        var starts = Enumerable.Range(0, (side - window) / stride + 1).Select(i => i * stride).Append(side - window).Distinct().ToArray();
        var origins = starts.SelectMany(y => starts.SelectMany(x => new[] { y, x })).ToArray();
        var random = new Random(9);
        var predictions = new float[(long)origins.Length / 2 * tile * tile];
        for (long i = 0; i < predictions.LongLength; i++)
            predictions[i] = (float)random.NextDouble();
        var options = new StitchOptions { Factor = StitchFactor, Upsampling = StitchUpsampling.Bilinear, Weighting = StitchWeighting.Gaussian };
        return (predictions, origins, window, options);
    }

    /// <summary>Values per normalized patch: 32³, a typical 3D patch.</summary>
    public const int PatchLength = 32 * 32 * 32;

    /// <summary>S/8 patches (at least 2) of <see cref="PatchLength"/> values around an offset, as CT intensities are.</summary>
    public static float[] Patches(int side)
    {
        var random = new Random(13);
        var patches = new float[(long)Math.Max(2, side / 8) * PatchLength];
        for (long i = 0; i < patches.LongLength; i++)
            patches[i] = (float)(1000 + random.NextDouble() * 400 - 200);
        return patches;
    }

    /// <summary>Slices of the generated fragment, all of them read by the ink row.</summary>
    public const int InkSlices = 16;

    /// <summary>
    /// The ink row's input: a generated fragment of clamp(S/4, 96, 2048)² × 16 slices, cut into 64² tiles at stride
    /// 32 and scaled by 1/65535, then normalized per tile.
    /// </summary>
    public static (SyntheticFragmentOptions Fragment, InkInput Input) InkFragment(int side)
    {
        int fragment = Math.Clamp(side / 4, 96, 2048);
        return (new SyntheticFragmentOptions { Width = fragment, Height = fragment, Slices = InkSlices, Seed = 7 },
            new InkInput { Slices = new SliceRange(0, InkSlices - 1), Tile = 64, Scale = TileScale.Divide65535, Normalize = true });
    }

    /// <summary>The largest distance in float32 ulps between two arrays' elements (0 when bit-identical).</summary>
    public static long MaxUlps(float[] a, float[] b)
    {
        long max = 0;
        for (long i = 0; i < a.LongLength; i++)
            max = Math.Max(max, Math.Abs(Ordered(a[i]) - Ordered(b[i])));
        return max;
    }

    /// <summary>The largest absolute difference between two arrays' elements.</summary>
    public static double MaxAbsDifference(float[] a, float[] b)
    {
        double max = 0;
        for (long i = 0; i < a.LongLength; i++)
            max = Math.Max(max, Math.Abs((double)a[i] - b[i]));
        return max;
    }

    /// <summary>A float's bits as an integer that counts ulps monotonically across zero.</summary>
    private static long Ordered(float value)
    {
        int bits = BitConverter.SingleToInt32Bits(value);
        return bits < 0 ? int.MinValue - (long)bits : bits;
    }
}
