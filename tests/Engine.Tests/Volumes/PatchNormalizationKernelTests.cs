using Engine.Tests.Compute;
using Engine.Volumes;

namespace Engine.Tests.Volumes;

/// <summary>The ILGPU kernel on the CPU accelerator, against the golden data and the SIMD path (tiny inputs: it is an emulator).</summary>
[Collection(IlgpuCpuCollection.Name)]
public class PatchNormalizationKernelTests(IlgpuCpuFixture fixture)
{
    [Theory]
    [MemberData(nameof(NormalizationCase.All), MemberType = typeof(NormalizationCase))]
    public void The_float_kernel_matches_the_float64_formula_and_the_simd_path(string name, string scale)
    {
        var c = new NormalizationCase(name, scale);
        var kernel = new float[c.Scaled.Length];
        PatchNormalization.Normalize(c.Scaled, c.PatchLength, kernel, fixture.Compute);
        NormalizationCase.AssertWithinOneUlp(c.Float64Reference, kernel, name);
        var simd = new float[kernel.Length];
        PatchNormalization.Normalize(c.Scaled, c.PatchLength, simd);
        NormalizationCase.AssertWithinOneUlp(simd, kernel, name);
    }

    [Theory]
    [MemberData(nameof(NormalizationCase.All), MemberType = typeof(NormalizationCase))]
    public void The_fused_uint16_kernel_matches_the_float64_formula_and_the_simd_path(string name, string scale)
    {
        var c = new NormalizationCase(name, scale);
        var kernel = new float[c.Patches.Length];
        PatchNormalization.Normalize(c.Patches, c.PatchLength, c.Divisor, kernel, fixture.Compute);
        NormalizationCase.AssertWithinOneUlp(c.Float64Reference, kernel, name);
        var simd = new float[kernel.Length];
        PatchNormalization.Normalize(c.Patches, c.PatchLength, c.Divisor, simd);
        NormalizationCase.AssertWithinOneUlp(simd, kernel, name);
    }
}
