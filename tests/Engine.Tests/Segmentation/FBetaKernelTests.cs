using Engine.Segmentation;
using Engine.Tests.Compute;

namespace Engine.Tests.Segmentation;

[Collection(IlgpuCpuCollection.Name)]
public class FBetaKernelTests(IlgpuCpuFixture fixture)
{
    [Fact]
    public void Kernel_equals_the_simd_path()
    {
        var random = new Random(9);
        var predicted = Enumerable.Range(0, 2999).Select(_ => (byte)random.Next(2)).ToArray();
        var truth = Enumerable.Range(0, 2999).Select(_ => (byte)(random.Next(4) == 0 ? 255 : 0)).ToArray();
        var mask = Enumerable.Range(0, 2999).Select(_ => (byte)random.Next(2)).ToArray();
        Assert.Equal(FBeta.Score(predicted, truth, mask), FBeta.Score(predicted, truth, mask, compute: fixture.Compute));
        Assert.Equal(FBeta.Score(predicted, truth), FBeta.Score(predicted, truth, compute: fixture.Compute));
    }
}
