using Engine.Segmentation;
using Engine.Tests.Compute;

namespace Engine.Tests.Segmentation;

[Collection(IlgpuCpuCollection.Name)]
public class BestPercentileKernelTests(IlgpuCpuFixture fixture)
{
    [Fact]
    public void Kernel_equals_the_simd_path()
    {
        // A 50 × 60 corner of the ink map keeps the emulator fast.
        const int Width = 317, Rows = 50, Columns = 60;
        float[] probs = new float[Rows * Columns];
        byte[] truth = new byte[Rows * Columns], mask = new byte[Rows * Columns];
        for (int y = 0; y < Rows; y++)
        {
            for (int x = 0; x < Columns; x++)
            {
                int from = (y + 80) * Width + x + 120, to = y * Columns + x;
                (probs[to], truth[to], mask[to]) = (InkMap.Probabilities[from], InkMap.Truth[from], InkMap.Mask[from]);
            }
        }
        var simd = BestPercentile.Find(probs, truth, InkMap.Candidates, mask);
        var kernel = BestPercentile.Find(probs, truth, InkMap.Candidates, mask, compute: fixture.Compute);
        Assert.Equal(simd.Thresholds, kernel.Thresholds);
        Assert.Equal(simd.Scores, kernel.Scores);
    }
}
