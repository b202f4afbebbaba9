using Engine.Segmentation;
using Engine.Tests.Compute;

namespace Engine.Tests.Segmentation;

[Collection(IlgpuCpuCollection.Name)]
public class ThresholdKernelTests(IlgpuCpuFixture fixture)
{
    [Fact]
    public void Kernel_equals_the_simd_path()
    {
        var random = new Random(5);
        var values = Enumerable.Range(0, 3001).Select(_ => random.Next(50) == 0 ? float.NaN : (float)random.NextDouble()).ToArray();
        var mask = Enumerable.Range(0, values.Length).Select(_ => (byte)random.Next(2)).ToArray();
        foreach (double threshold in new[] { 0.25, 0.5000000001, (double)values[7] })
        {
            Assert.Equal(Threshold.Apply(values, threshold, mask), Threshold.Apply(values, threshold, mask, fixture.Compute), new InkComparer());
            Assert.Equal(Threshold.Apply(values, threshold), Threshold.Apply(values, threshold, compute: fixture.Compute), new InkComparer());
        }
    }

    private sealed class InkComparer : IEqualityComparer<(byte[] Ink, long Positives)>
    {
        public bool Equals((byte[] Ink, long Positives) x, (byte[] Ink, long Positives) y) => x.Positives == y.Positives && x.Ink.AsSpan().SequenceEqual(y.Ink);

        public int GetHashCode((byte[] Ink, long Positives) obj) => obj.Positives.GetHashCode();
    }
}
