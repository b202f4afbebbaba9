using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Engine.IO;
using Engine.Tests.Segmentation;
using Engine.Tests.Volumes;
using Engine.Volumes;

namespace Engine.Tests.Compute;

/// <summary>
/// The SIMD paths choose Vector512, Vector256 or scalar code by what the CPU accelerates, so one process runs only
/// the widest of them. These tests rerun the engine command in child processes with the wider instruction sets
/// switched off, so every width is checked against numpy's answers and against the ILGPU kernels wherever the
/// suite runs.
/// </summary>
public class VectorWidthTests
{
    public static TheoryData<string, string> NarrowerMachines => new()
    {
        { "DOTNET_EnableAVX512", "0" },      // Vector256 paths (.NET 10's switch for all of AVX-512)
        { "DOTNET_EnableHWIntrinsic", "0" }, // scalar paths
    };

    [Theory]
    [MemberData(nameof(NarrowerMachines))]
    public void Narrower_vectors_give_numpys_quantiles(string variable, string value)
    {
        var info = Engine(variable, value, "info", "--json");
        Assert.True(info.GetProperty("vectorBits").GetInt32() <= (value == "0" && variable == "DOTNET_EnableHWIntrinsic" ? 0 : 256));

        foreach (string name in new[] { "masked_f4", "probabilities_f4_large", "signed_zeros_f4" })
        {
            var c = QuantileCase.Named(name);
            var args = new List<string> { "quantile", "--input", TestData.PathOf("quantile", $"{name}.values.npy"), "--json" };
            if (c.HasMask)
                args.AddRange(["--mask", TestData.PathOf("quantile", $"{name}.mask.npy")]);
            args.Add("-q");
            args.AddRange(c.Qs.Select(q => q.ToString("R", CultureInfo.InvariantCulture)));
            var result = Engine(variable, value, [.. args]);
            QuantileTests.AssertSameBits(c.Expected, result.GetProperty("quantiles").EnumerateArray().Select(e => e.GetDouble()).ToArray(), name);
        }
    }

    [Theory]
    [MemberData(nameof(NarrowerMachines))]
    public void Narrower_vectors_agree_with_the_kernels(string variable, string value)
    {
        var verify = Engine(variable, value, "verify", "--size", "40", "--backend", "ilgpu-cpu", "--json");
        Assert.True(verify.GetProperty("identical").GetBoolean(), verify.ToString());
    }

    [Theory]
    [MemberData(nameof(NarrowerMachines))]
    public void Narrower_vectors_cut_the_same_normalized_tiles(string variable, string value)
    {
        // volume tile --normalize sums each tile's uint16 values as it cuts them (PatchNormalization's window sums):
        // a 32-pixel row is one Vector512 of them, or two Vector256.
        using var folder = new TempFolder();
        string narrow = folder.File("tiles.npy");
        Run(variable, value, "volume", "tile", VolumeData.PathOf("tifffile_plain"), "--mask", VolumeData.PathOf("tiles_mask.npy"),
            "--tile", "32", "--stride", "16", "--scale", "65535", "--normalize", "--out", narrow);
        using var volume = TiffVolume.Open(VolumeData.PathOf("tifffile_plain"));
        var mask = NpyFile.ReadBytes(VolumeData.PathOf("tiles_mask.npy"));
        var grid = TileGrid.Create(mask.Data, mask.Shape[1], mask.Shape[0], 32, 16);
        var tiles = new List<float>();
        foreach (var batch in new VolumeTiler(volume, grid, new VolumeTilerOptions { Scale = TileScale.Divide65535, Normalize = true }).Batches(null))
        {
            using (batch)
                tiles.AddRange(batch.Data.ToArray());
        }
        Assert.NotEmpty(tiles);
        Assert.Equal(tiles.Select(BitConverter.SingleToInt32Bits), NpyFile.ReadFloat32(narrow).Data.Select(BitConverter.SingleToInt32Bits));
    }

    /// <summary>Runs Engine.Cli (copied beside the tests) with one environment variable set; returns its JSON.</summary>
    internal static JsonElement Engine(string variable, string value, params string[] args)
        => JsonDocument.Parse(Run(variable, value, args)).RootElement.Clone();

    /// <summary>Runs Engine.Cli with one environment variable set; returns what it writes to stdout.</summary>
    private static string Run(string variable, string value, params string[] args)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Engine.Cli.dll"));
        foreach (string arg in args)
            start.ArgumentList.Add(arg);
        start.Environment[variable] = value;
        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"engine {string.Join(' ', args)} with {variable}={value} exited {process.ExitCode}: {error.Result}");
        return output;
    }
}
