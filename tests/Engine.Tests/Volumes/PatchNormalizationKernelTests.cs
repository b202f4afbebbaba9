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

/// <summary>VolumeTiler normalizing whole batches with the kernel, against numpy's tiles and the SIMD tiler.</summary>
[Collection(IlgpuCpuCollection.Name)]
public class VolumeTilerKernelTests(IlgpuCpuFixture fixture)
{
    [Theory]
    [InlineData("tifffile_plain")]
    [InlineData("tifffile_float32")]
    public void Batches_normalized_on_the_device_match_the_simd_tiler(string source)
    {
        var mask = Engine.IO.NpyFile.ReadBytes(VolumeData.PathOf("tiles_mask.npy"));
        using var volume = TiffVolume.Open(VolumeData.PathOf(source));
        var grid = TileGrid.Create(mask.Data, mask.Shape[1], mask.Shape[0], 32, 16);
        float[] Run(Engine.Compute.ComputeContext? compute)
        {
            var tiler = new VolumeTiler(volume, grid, new VolumeTilerOptions { BatchSize = 3, Scale = TileScale.Divide65535, Normalize = true, Compute = compute });
            return tiler.Batches().SelectMany(b => { using (b) return b.Data.ToArray(); }).ToArray();
        }
        var device = Run(fixture.Compute);
        NormalizationCase.AssertWithinOneUlp(Run(null), device, source);
        if (source == "tifffile_plain")
            NormalizationCase.AssertWithinOneUlp(Engine.IO.NpyFile.ReadFloat32(VolumeData.PathOf("tiles_normalized.npy")).Data, device, source);
    }
}
