using Engine.Compute;
using Engine.Segmentation;

namespace Engine.Tests.Compute;

/// <summary>
/// Every operation of the element-wise loop against its scalar form, on every length up to 70: lengths of 16k + 8 + r
/// run the Vector512 loop, then the Vector256 loop, then the scalar tail in one call, so on an AVX-512 machine one
/// test covers every width; <see cref="VectorWidthTests"/> reruns the stitcher and quantile commands with the wider
/// instruction sets off.
/// </summary>
public class ElementWiseTests
{
    private const int MaxLength = 70;

    /// <summary>Values with the cases that differ between forms: signed zeros, NaN, ±∞, subnormals, large and small.</summary>
    private static float[] Values(int length, int seed)
    {
        float[] special = [0f, -0f, float.NaN, float.PositiveInfinity, float.NegativeInfinity, float.Epsilon, -1e-40f, 3e38f];
        var random = new Random(seed);
        var values = new float[length];
        for (int i = 0; i < length; i++)
            values[i] = random.Next(5) == 0 ? special[random.Next(special.Length)] : (float)(random.NextDouble() * 200 - 100);
        return values;
    }

    private static void AssertSameBits<T>(T expected, T actual, string what) where T : struct
        => Assert.True(EqualityComparer<T>.Default.Equals(expected, actual)
            || (expected is float e && actual is float a && BitConverter.SingleToInt32Bits(e) == BitConverter.SingleToInt32Bits(a)), $"{what}: {expected} vs {actual}");

    [Fact]
    public void Binary_operations_match_their_scalar_form_in_place_and_apart()
    {
        for (int n = 0; n <= MaxLength; n++)
        {
            float[] x = Values(n, n), y = Values(n, n + 1000);
            y.AsSpan(n / 2).Fill(2.5f); // DivideOrFill: positive divisors as well as zeros, NaN and negatives
            Check(default(ElementWise.Add), x, y, n);
            Check(new SlidingWindowStitcher.DivideOrFill(-7f), x, y, n);
        }

        static void Check<TOperator>(TOperator op, float[] x, float[] y, int n) where TOperator : struct, ElementWise.IBinaryOperator
        {
            var apart = new float[n];
            ElementWise.Binary(op, x, y, apart);
            var inPlace = x.ToArray();
            ElementWise.Binary(op, inPlace, y, inPlace);
            for (int i = 0; i < n; i++)
            {
                AssertSameBits(op.Invoke(x[i], y[i]), apart[i], $"{typeof(TOperator).Name} length {n} [{i}]");
                AssertSameBits(apart[i], inPlace[i], $"{typeof(TOperator).Name} in place, length {n} [{i}]");
            }
        }
    }

    [Fact]
    public void AddProduct_rounds_the_product_and_the_sum_apart_as_numpy()
    {
        for (int n = 0; n <= MaxLength; n++)
        {
            float[] x = Values(n, n), y = Values(n, n + 1), z = Values(n, n + 2);
            var sum = x.ToArray();
            ElementWise.Ternary(default(ElementWise.AddProduct), sum, y, z, sum);
            for (int i = 0; i < n; i++)
            {
                float product = y[i] * z[i];
                AssertSameBits(x[i] + product, sum[i], $"length {n} [{i}]");
            }
        }
        // y·z = 2^-24·(1 + 2^-24 - 2^-47) rounds to 2^-24, and 1 + 2^-24 is a tie that rounds to 1; unrounded, the
        // sum is past the tie and a fused multiply-add gives 1 + 2^-23.
        float small = MathF.ScaleB(1f + MathF.ScaleB(1f, -23), -24), nearOne = 1f - MathF.ScaleB(1f, -24);
        Assert.Equal(1f + MathF.ScaleB(1f, -23), MathF.FusedMultiplyAdd(small, nearOne, 1f));
        var one = Enumerable.Repeat(1f, 40).ToArray();
        ElementWise.Ternary(default(ElementWise.AddProduct), one, Enumerable.Repeat(small, 40).ToArray(), Enumerable.Repeat(nearOne, 40).ToArray(), one);
        Assert.All(one, v => Assert.Equal(1f, v));
    }

    [Fact]
    public void IndexOfNaN_finds_the_first_NaN_at_every_position()
    {
        for (int n = 0; n <= MaxLength; n++)
        {
            var floats = new float[n];
            var doubles = new double[n];
            Assert.Equal(-1, ElementWise.IndexOfNaN<float>(floats));
            Assert.Equal(-1, ElementWise.IndexOfNaN<double>(doubles));
            for (int at = 0; at < n; at++)
            {
                floats.AsSpan().Fill(float.PositiveInfinity);
                doubles.AsSpan().Fill(double.NegativeInfinity);
                (floats[at], doubles[at]) = (float.NaN, double.NaN);
                if (at + 1 < n)
                    (floats[n - 1], doubles[n - 1]) = (float.NaN, double.NaN); // a later NaN must not win
                Assert.Equal(at, ElementWise.IndexOfNaN<float>(floats));
                Assert.Equal(at, ElementWise.IndexOfNaN<double>(doubles));
            }
        }
    }

    [Fact]
    public void Ordered_keys_match_the_kernels_keys()
    {
        for (int n = 0; n <= MaxLength; n++)
        {
            var x = Values(n, n);
            var keys = new uint[n];
            ElementWise.Unary(default(OrderedKeySimd.Key), x, keys);
            for (int i = 0; i < n; i++)
                Assert.Equal((uint)(Engine.Kernels.Segmentation.OrderedKey.FromFloat(x[i]) >> 32), keys[i]);
        }
    }

    [Fact]
    public void Spans_of_different_lengths_are_refused()
    {
        Assert.Throws<ArgumentException>(() => ElementWise.Binary(default(ElementWise.Add), new float[3], new float[4], new float[3]));
        Assert.Throws<ArgumentException>(() => ElementWise.Unary(default(OrderedKeySimd.Key), new float[3], new uint[2]));
    }
}
