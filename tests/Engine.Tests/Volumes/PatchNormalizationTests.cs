using Engine.IO;
using Engine.Volumes;

namespace Engine.Tests.Volumes;

/// <summary>One case of tests/data/volumes: uint16 patches and the reference outputs for one scale.</summary>
public sealed record NormalizationCase(string Name, string Scale)
{
    public static TheoryData<string, string> All()
    {
        var cases = new TheoryData<string, string>();
        foreach (var c in TestData.Json("volumes", "expected.json").GetProperty("normalization").EnumerateArray())
        {
            cases.Add(c.GetProperty("name").GetString()!, "raw");
            cases.Add(c.GetProperty("name").GetString()!, "65535");
        }
        return cases;
    }

    public NpyArray<float> PatchesAsFloat => NpyFile.ReadFloat32(VolumeData.PathOf($"{Name}.patches.npy"));

    public ushort[] Patches => PatchesAsFloat.Data.Select(v => (ushort)v).ToArray();

    public int PatchLength => PatchesAsFloat.Shape[1..].Aggregate(1, (a, b) => a * b);

    public float Divisor => Scale == "raw" ? 1f : 65535f;

    /// <summary>The scaled float32 values numpy normalized: x.astype(np.float32) / np.float32(65535).</summary>
    public float[] Scaled => PatchesAsFloat.Data.Select(v => v / Divisor).ToArray();

    /// <summary>numpy's float64 formula, rounded once to float32.</summary>
    public float[] Float64Reference => NpyFile.ReadFloat32(VolumeData.PathOf($"{Name}.{Scale}.float64.npy")).Data;

    /// <summary>torch's float32 (x - x.mean()) / (x.std() + 1e-6).</summary>
    public float[] TorchReference => NpyFile.ReadFloat32(VolumeData.PathOf($"{Name}.{Scale}.torch.npy")).Data;

    /// <summary>
    /// At most one float32 ulp from the float64 reference: both evaluate the formula in float64 and round once;
    /// only the summation order of the mean and std differs, which moves them by a few float64 ulps.
    /// </summary>
    public static void AssertWithinOneUlp(float[] expected, float[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            int ulps = Math.Abs(BitConverter.SingleToInt32Bits(expected[i]) - BitConverter.SingleToInt32Bits(actual[i]));
            Assert.True(ulps <= 1 || expected[i] == actual[i], $"{what}[{i}]: reference {expected[i]:R}, Engine {actual[i]:R}");
        }
    }
}

public class PatchNormalizationTests
{
    [Theory]
    [MemberData(nameof(NormalizationCase.All), MemberType = typeof(NormalizationCase))]
    public void Float_patches_match_the_float64_formula_within_one_ulp(string name, string scale)
    {
        var c = new NormalizationCase(name, scale);
        var output = new float[c.Scaled.Length];
        PatchNormalization.Normalize(c.Scaled, c.PatchLength, output);
        NormalizationCase.AssertWithinOneUlp(c.Float64Reference, output, name);
    }

    [Theory]
    [MemberData(nameof(NormalizationCase.All), MemberType = typeof(NormalizationCase))]
    public void The_fused_uint16_path_equals_the_float_path(string name, string scale)
    {
        var c = new NormalizationCase(name, scale);
        var fused = new float[c.Scaled.Length];
        PatchNormalization.Normalize(c.Patches, c.PatchLength, c.Divisor, fused);
        var plain = c.Scaled;
        PatchNormalization.Normalize(plain, c.PatchLength, plain); // in place
        Assert.Equal(plain, fused);
        NormalizationCase.AssertWithinOneUlp(c.Float64Reference, fused, name);
    }

    [Theory]
    [MemberData(nameof(NormalizationCase.All), MemberType = typeof(NormalizationCase))]
    public void Torch_float32_agrees_within_its_own_rounding(string name, string scale)
    {
        // torch subtracts and divides in float32 with a float32 mean and std: its mean (a float32 sum) is off by
        // up to a few float32 ulps of the patch's values, so each output may be off by about 4 ulps of the
        // largest |x| divided by the std, plus the std's own relative rounding (a few float32 ulps of the output).
        // Measured: the worst case here (values 40,000..40,002 / 65535) is 2 such ulps.
        var c = new NormalizationCase(name, scale);
        var output = new float[c.Scaled.Length];
        PatchNormalization.Normalize(c.Scaled, c.PatchLength, output);
        var torch = c.TorchReference;
        for (int p = 0; p < output.Length / c.PatchLength; p++)
        {
            var x = c.Scaled.AsSpan(p * c.PatchLength, c.PatchLength);
            var (_, std) = PatchNormalization.Statistics(x);
            float largest = 0;
            foreach (float v in x)
                largest = Math.Max(largest, Math.Abs(v));
            double tolerance = 4 * largest * 1.2e-7 / (std + PatchNormalization.Epsilon) + 1e-6;
            for (int i = p * c.PatchLength; i < (p + 1) * c.PatchLength; i++)
                Assert.True(Math.Abs(torch[i] - output[i]) <= tolerance + 4e-7 * Math.Abs(torch[i]), $"{name} {scale}[{i}]: torch {torch[i]:R}, Engine {output[i]:R}");
        }
    }

    [Fact]
    public void A_constant_patch_becomes_zeros_and_statistics_are_unbiased()
    {
        var output = new float[8];
        PatchNormalization.Normalize(Enumerable.Repeat(7.5f, 8).ToArray(), 4, output);
        Assert.All(output, v => Assert.Equal(0f, v));
        var (mean, std) = PatchNormalization.Statistics([1f, 2f, 3f, 4f]);
        Assert.Equal(2.5, mean);
        Assert.Equal(Math.Sqrt(5.0 / 3.0), std, 15);
    }

    [Fact]
    public void Bad_arguments_are_named()
    {
        var values = new float[12];
        Assert.Throws<ArgumentOutOfRangeException>(() => PatchNormalization.Normalize(values, 1, values));
        Assert.Contains("whole number of 5-value patches", Assert.Throws<ArgumentException>(() => PatchNormalization.Normalize(values, 5, new float[12])).Message);
        Assert.Contains("output holds 11", Assert.Throws<ArgumentException>(() => PatchNormalization.Normalize(values, 4, new float[11])).Message);
        Assert.Contains("partly overlaps", Assert.Throws<ArgumentException>(() => PatchNormalization.Normalize(values.AsSpan(0, 8), 4, values.AsSpan(4, 8))).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => PatchNormalization.Normalize(new ushort[4], 2, 0f, new float[4]));
        Assert.Throws<ArgumentOutOfRangeException>(() => PatchNormalization.Normalize(new ushort[4], 2, float.NaN, new float[4]));
    }

    [Fact]
    public void Long_patches_with_a_large_mean_keep_their_small_spread()
    {
        // 2.3 M values near 40,000 with a spread of ±1: the shifted float64 sums keep the std exact enough that
        // every output stays within one ulp of the two-pass float64 formula.
        int n = 35 * 256 * 256 / 4;
        var random = new Random(5);
        var x = new float[n];
        for (int i = 0; i < n; i++)
            x[i] = 40000 + random.Next(-1, 2);
        double mean = x.Average(v => (double)v);
        double std = Math.Sqrt(x.Sum(v => (v - mean) * (v - mean)) / (n - 1));
        var expected = x.Select(v => (float)((v - mean) / (std + 1e-6))).ToArray();
        var output = new float[n];
        PatchNormalization.Normalize(x, n, output);
        NormalizationCase.AssertWithinOneUlp(expected, output, "large mean");
    }

    [Fact]
    public void Patches_written_past_the_caches_match_the_float64_formula_at_any_alignment()
    {
        // Patches this long are streamed out with non-temporal stores from the first 64-byte boundary; an odd
        // length puts each patch at a different alignment, so the scalar head and the tail are both exercised.
        int n = (1 << 18) + 3, count = 3;
        var random = new Random(7);
        var raw = new ushort[n * count];
        for (int i = 0; i < raw.Length; i++)
            raw[i] = (ushort)random.Next(0, 65536);
        var scaled = raw.Select(v => v / 65535f).ToArray();
        var expected = new float[scaled.Length];
        for (int p = 0; p < count; p++)
        {
            var patch = scaled.AsSpan(p * n, n).ToArray();
            double mean = patch.Average(v => (double)v);
            double std = Math.Sqrt(patch.Sum(v => (v - mean) * (v - mean)) / (n - 1));
            for (int i = 0; i < n; i++)
                expected[p * n + i] = (float)((patch[i] - mean) / (std + 1e-6));
        }
        var output = new float[scaled.Length];
        PatchNormalization.Normalize(scaled, n, output);
        NormalizationCase.AssertWithinOneUlp(expected, output, "float");
        PatchNormalization.Normalize(raw, n, 65535f, output);
        NormalizationCase.AssertWithinOneUlp(expected, output, "uint16");
        PatchNormalization.Normalize(scaled, n, scaled);
        NormalizationCase.AssertWithinOneUlp(expected, scaled, "in place");
    }
}
