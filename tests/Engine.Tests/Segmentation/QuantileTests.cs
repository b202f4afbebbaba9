using System.Text.Json;
using Engine.Compute;
using Engine.IO;
using Engine.Segmentation;
using Engine.Tests.Compute;

namespace Engine.Tests.Segmentation;

public class QuantileTests
{
    /// <summary>Bit-for-bit equality, NaN equal to NaN (numpy's answer for ∞ − ∞).</summary>
    internal static void AssertSameBits(double[] expected, double[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            bool same = BitConverter.DoubleToInt64Bits(expected[i]) == BitConverter.DoubleToInt64Bits(actual[i])
                || (double.IsNaN(expected[i]) && double.IsNaN(actual[i]));
            Assert.True(same, $"{what}[{i}]: numpy gives {expected[i]:R}, Engine gives {actual[i]:R}");
        }
    }

    public static TheoryData<string> AllCases => QuantileCase.Names();

    [Theory]
    [MemberData(nameof(AllCases))]
    public void Simd_path_equals_numpy_bit_for_bit(string name)
    {
        var c = QuantileCase.Named(name);
        AssertSameBits(c.Expected, c.Run(compute: null), name);
    }

    [Theory]
    [InlineData("masked_f4")]
    [InlineData("normal_f8")]
    [InlineData("nan_ignored_f4")]
    public void Single_quantile_overload_equals_the_batched_one(string name)
    {
        var c = QuantileCase.Named(name);
        var expected = c.Expected;
        for (int i = 0; i < c.Qs.Length; i++)
        {
            double single = c.Dtype == "float32"
                ? Quantile.Compute(c.Floats, c.Qs[i], c.Mask, c.IgnoreNaN)
                : Quantile.Compute(c.Doubles, c.Qs[i], c.Mask, c.IgnoreNaN);
            AssertSameBits([expected[i]], [single], $"{name} q={c.Qs[i]}");
        }
    }

    [Fact]
    public void Many_chunks_and_many_quantiles_match_a_sort()
    {
        // Larger than one parallel work item (2^20 values), with more quantiles than one pass takes (8
        // prefixes), against a plain sort with numpy's formula.
        var random = new Random(42);
        var values = new float[3_000_017];
        for (int i = 0; i < values.Length; i++)
            values[i] = (float)(random.NextDouble() * random.NextDouble());
        var mask = new byte[values.Length];
        for (int i = 0; i < mask.Length; i++)
            mask[i] = (byte)(random.Next(4) == 0 ? 0 : 1);
        var qs = Enumerable.Range(0, 25).Select(i => random.NextDouble()).Append(0).Append(1).ToArray();

        var actual = Quantile.Compute(values, qs, mask);

        var sorted = values.Where((_, i) => mask[i] != 0).ToArray();
        Array.Sort(sorted);
        AssertSameBits(qs.Select(q => SortedQuantile(sorted, q)).ToArray(), actual, "random");
    }

    /// <summary>numpy's linear quantile on sorted float32 values: the oracle for data too large to check in.</summary>
    private static double SortedQuantile(float[] sorted, double q)
    {
        long n = sorted.Length;
        double index = (n - 1) * q;
        long previous = index >= n - 1 ? -1 : (long)Math.Floor(index);
        float a = sorted[previous < 0 ? n - 1 : previous], b = sorted[previous < 0 ? n - 1 : previous + 1];
        double gamma = index - previous;
        float diff = b - a;
        return gamma >= 0.5 ? b - diff * (1 - gamma) : a + diff * gamma;
    }

    [Fact]
    public void Negative_zero_and_positive_zero_are_one_value()
    {
        var values = new[] { 0f, -0f, -0f, 0f, 1f };
        Assert.Equal(0.0, Quantile.Compute(values, 0.5));
        Assert.Equal(1.0, Quantile.Compute(values, 1.0));
    }

    [Fact]
    public void Unsorted_and_repeated_quantiles_come_back_in_the_order_asked()
    {
        var values = Enumerable.Range(0, 101).Select(i => (float)i).Reverse().ToArray();
        var result = Quantile.Compute(values, [0.9, 0.1, 0.9, 0.5]);
        Assert.Equal([90.0, 10.0, 90.0, 50.0], result);
    }

    [Fact]
    public void A_NaN_is_an_error_naming_its_index()
    {
        var values = new[] { 1f, 2f, float.NaN, 3f, float.NaN };
        var error = Assert.Throws<QuantileNaNException>(() => Quantile.Compute(values, 0.5));
        Assert.Contains("values[2] is NaN", error.Message);
        Assert.Contains("ignoreNaN", error.Message);
        Assert.Equal((2, 2), (error.Index, error.Count));
        Assert.Equal("values", error.ParamName);
    }

    [Fact]
    public void A_NaN_outside_the_mask_is_no_error()
    {
        var values = new[] { 1f, float.NaN, 3f };
        Assert.Equal(2.0, Quantile.Compute(values, 0.5, mask: [1, 0, 1]));
    }

    [Fact]
    public void IgnoreNaN_skips_NaNs_like_nanquantile()
    {
        var values = new[] { float.NaN, 4f, 1f, float.NaN, 3f };
        Assert.Equal(3.0, Quantile.Compute(values, 0.5, ignoreNaN: true));
    }

    [Theory]
    [InlineData(-0.01)]
    [InlineData(1.0000001)]
    [InlineData(double.NaN)]
    [InlineData(93)]
    public void A_quantile_outside_zero_to_one_is_an_error(double q)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => Quantile.Compute(new[] { 1f, 2f }, q));
        Assert.Contains("outside [0, 1]", error.Message);
    }

    [Fact]
    public void Empty_inputs_and_selections_are_errors()
    {
        Assert.Contains("values is empty", Assert.Throws<ArgumentException>(() => Quantile.Compute(Array.Empty<float>(), 0.5)).Message);
        Assert.Contains("mask selects none of the 3 values", Assert.Throws<ArgumentException>(() => Quantile.Compute(new[] { 1f, 2f, 3f }, 0.5, mask: [0, 0, 0])).Message);
        Assert.Contains("all 2 selected values are NaN", Assert.Throws<ArgumentException>(() => Quantile.Compute(new[] { float.NaN, float.NaN }, 0.5, ignoreNaN: true)).Message);
    }

    [Fact]
    public void A_mask_of_another_length_is_an_error()
    {
        var error = Assert.Throws<ArgumentException>(() => Quantile.Compute(new[] { 1f, 2f, 3f }, 0.5, mask: [1, 1]));
        Assert.Contains("mask has 2 elements but values has 3", error.Message);
    }

    [Fact]
    public void Results_of_another_length_are_an_error()
    {
        var error = Assert.Throws<ArgumentException>(() => Quantile.Compute(new[] { 1f, 2f }, [0.1, 0.2], new double[1]));
        Assert.Contains("results has 1 elements but 2 quantiles", error.Message);
    }
}
