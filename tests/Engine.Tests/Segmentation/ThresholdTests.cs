using Engine.Segmentation;
using Engine.Tests.Compute;

namespace Engine.Tests.Segmentation;

public class ThresholdTests
{
    [Fact]
    public void Ink_at_the_93rd_percentile_equals_numpy()
    {
        double threshold = Quantile.Compute(InkMap.Probabilities, 0.93, InkMap.Mask);
        var (ink, positives) = Threshold.Apply(InkMap.Probabilities, threshold, InkMap.Mask);
        Assert.Equal(InkMap.Ink93, ink);
        Assert.Equal(InkMap.Ink93.Count(b => b != 0), positives);
    }

    [Fact]
    public void Every_candidate_threshold_gives_numpys_ink_count()
    {
        foreach (var row in InkMap.Sweep.GetProperty("masked").EnumerateArray())
        {
            double threshold = row.GetProperty("threshold").GetDouble();
            var (_, positives) = Threshold.Apply(InkMap.Probabilities, threshold, InkMap.Mask);
            Assert.Equal(row.GetProperty("positives").GetInt64(), positives);
        }
    }

    [Fact]
    public void The_float_bound_compares_like_float64()
    {
        var random = new Random(3);
        for (int trial = 0; trial < 20_000; trial++)
        {
            double threshold = (random.NextDouble() - 0.5) * Math.Pow(10, random.Next(-40, 40));
            float bound = Threshold.FloatBound(threshold);
            float near = (float)threshold;
            foreach (float x in new[] { near, MathF.BitIncrement(near), MathF.BitDecrement(near), bound, MathF.BitIncrement(bound) })
                Assert.Equal((double)x > threshold, x > bound);
        }
        Assert.Equal(float.MaxValue, Threshold.FloatBound(double.MaxValue));
        Assert.Equal(float.PositiveInfinity, Threshold.FloatBound(double.PositiveInfinity));
        Assert.Equal(float.NegativeInfinity, Threshold.FloatBound(double.MinValue));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(31)]
    [InlineData(32)]
    [InlineData(33)]
    [InlineData(1000)]
    [InlineData((1 << 20) + 77)]
    public void Every_length_matches_a_scalar_loop(int length)
    {
        var random = new Random(length);
        var values = Enumerable.Range(0, length).Select(_ => random.Next(10) == 0 ? float.NaN : (float)random.NextDouble()).ToArray();
        var mask = Enumerable.Range(0, length).Select(_ => (byte)random.Next(3)).ToArray();
        var (ink, positives) = Threshold.Apply(values, 0.5, mask);
        var expected = values.Select((v, i) => (byte)(v > 0.5 && mask[i] != 0 ? 1 : 0)).ToArray();
        Assert.Equal(expected, ink);
        Assert.Equal(expected.Count(b => b == 1), positives);
        var (unmasked, _) = Threshold.Apply(values, 0.5);
        Assert.Equal(values.Select(v => (byte)(v > 0.5 ? 1 : 0)).ToArray(), unmasked);
    }

    [Fact]
    public void Lengths_that_differ_are_errors()
    {
        Assert.Contains("ink has 2 elements but values has 3", Assert.Throws<ArgumentException>(() => Threshold.Apply(new float[3], 0.5, default, new byte[2])).Message);
        Assert.Contains("mask has 4 elements but values has 3", Assert.Throws<ArgumentException>(() => Threshold.Apply(new float[3], 0.5, new byte[4])).Message);
    }
}
