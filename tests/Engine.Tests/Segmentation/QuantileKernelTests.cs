using System.Text.Json;
using Engine.Compute;
using Engine.IO;
using Engine.Segmentation;
using Engine.Tests.Compute;

namespace Engine.Tests.Segmentation;

/// <summary>The same golden cases through the ILGPU kernel on the CPU accelerator (small cases: it emulates).</summary>
[Collection(IlgpuCpuCollection.Name)]
public class QuantileKernelTests(IlgpuCpuFixture fixture)
{
    public static TheoryData<string> SmallCases => QuantileCase.Names(maxLength: 3000);

    [Theory]
    [MemberData(nameof(SmallCases))]
    public void Kernel_equals_numpy_bit_for_bit(string name)
    {
        var c = QuantileCase.Named(name);
        QuantileTests.AssertSameBits(c.Expected, c.Run(fixture.Compute), name);
    }

    [Fact]
    public void A_NaN_is_the_same_error_on_the_kernel_path()
    {
        var error = Assert.Throws<QuantileNaNException>(() => Quantile.Compute(new[] { 1f, float.NaN }, 0.5, compute: fixture.Compute));
        Assert.Contains("values[1] is NaN", error.Message);
    }
}
