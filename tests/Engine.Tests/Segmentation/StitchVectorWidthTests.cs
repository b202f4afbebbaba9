using Engine.IO;
using Engine.Tests.Compute;

namespace Engine.Tests.Segmentation;

/// <summary>The stitcher's Vector256 and scalar paths: engine stitch in child processes with wider instruction sets off.</summary>
public sealed class StitchVectorWidthTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Theory]
    [MemberData(nameof(VectorWidthTests.NarrowerMachines), MemberType = typeof(VectorWidthTests))]
    public void Narrower_vectors_give_the_python_loops_map(string variable, string value)
    {
        foreach (var (name, options) in new (string, string[])[]
        {
            ("bilinear_ac_x4", ["--align-corners", "true"]),
            ("nearest_x3", ["--upsampling", "nearest"]),
            ("fast_x4_masked", ["--upsample", "fast", "--align-corners", "false", "--mask", TestData.PathOf("stitching", "fast_x4_masked.mask.npy")]),
            ("gaussian_ac_x4", ["--weights", "gaussian"]),
        })
        {
            var c = StitchCase.Named(name);
            string output = _folder.File($"{name}.npy");
            VectorWidthTests.Engine(variable, value, ["stitch", "--tiles", TestData.PathOf("stitching", $"{name}.preds.npy"),
                "--coords", TestData.PathOf("stitching", $"{name}.coords.npy"), "--size", $"{c.Height},{c.Width}",
                "--factor", $"{c.Options.Factor}", "--out", output, "--json", .. options]);
            var map = NpyFile.ReadFloat32(output).Data;
            if (c.HasWeights)
                SlidingWindowStitcherTests.AssertClose(c.Expected, map, 1e-6f, name); // Engine's Gaussian, within 3 ulps of MONAI's
            else
                SlidingWindowStitcherTests.AssertSameBits(c.Expected, map, $"{name} with {variable}={value}");
        }
    }
}
