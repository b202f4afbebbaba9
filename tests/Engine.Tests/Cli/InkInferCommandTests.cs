using Engine.IO;
using Engine.Torch;
using Engine.Torch.Ink;
using Engine.Volumes;

namespace Engine.Tests.Cli;

/// <summary>engine ink infer on a tiny fragment with tiny random models saved as checkpoints.</summary>
public sealed class InkInferCommandTests : IDisposable
{
    private const int Width = 160, Height = 130, Slices = 6, Tile = 64;
    private static readonly InkModelConfig Config = new() { Groups = 2, ChannelsPerGroup = 2, Widths = [4, 4, 4, 4, 4], NeckChannels = 4, Blocks3d = 1 };
    private static readonly InkInput Input = new() { Slices = new SliceRange(1, 4), Tile = Tile, Scale = TileScale.Raw, Normalize = true };
    private readonly TempFolder _folder = new();

    public InkInferCommandTests()
    {
        string volume = Path.Combine(Fragment, "surface_volume");
        Directory.CreateDirectory(volume);
        var random = new Random(3);
        var pixels = new float[Width * Height];
        for (int s = 0; s < Slices; s++)
        {
            for (int i = 0; i < pixels.Length; i++)
                pixels[i] = random.Next(30000);
            TiffImage.Write(Path.Combine(volume, $"{s:D2}.tif"), pixels, Width, Height);
        }
        var mask = new byte[Width * Height];
        for (int y = 10; y < 120; y++)
            mask.AsSpan(y * Width + 5, 140).Fill(1);
        MapFile.WriteMask(Path.Combine(Fragment, "mask.png"), new GrayImage<byte>(Width, Height, mask));
        TorchRuntime.EnsureLoaded();
        Save("a", Input);
        Save("b", Input);
        Save("other", Input with { Tile = 96 });
    }

    public void Dispose() => _folder.Dispose();

    private string Fragment => _folder.File("fragment");

    private string Out => _folder.File("out");

    private string Model(string name) => _folder.File("model-" + name);

    private void Save(string name, InkInput input)
    {
        using var model = new InkModel(Config);
        InkCheckpoint.Save(Model(name), model, input, new Dictionary<string, double>());
    }

    [Fact]
    public void Writes_the_maps_and_reports_the_stages()
    {
        var result = CliRunner.Run("ink", "infer", "--fragment", Fragment, "--model", Model("a"), "--out", Out, "--stride", "32", "--json");
        Assert.True(result.ExitCode == 0, result.Error);
        var json = result.Json;
        foreach (var file in new[] { "prob.npy", "prob.tif", "prob.png", "ink.png", "overlay.png" })
            Assert.True(File.Exists(Path.Combine(Out, file)), file);
        Assert.Equal([Height, Width], NpyFile.ReadFloat32(Path.Combine(Out, "prob.npy")).Shape);
        var ink = PngImage.Read(Path.Combine(Out, "ink.png"));
        Assert.Equal((Width, Height), (ink.Width, ink.Height));
        Assert.Equal(json.GetProperty("inkPixels").GetInt64(), ink.Pixels.Count(p => p != 0));
        Assert.Equal(32, json.GetProperty("stride").GetInt32());
        var seconds = json.GetProperty("seconds");
        foreach (var stage in new[] { "setup", "read", "tile", "wait", "aroundModel", "model", "stitch", "threshold", "write", "total" })
            Assert.True(seconds.GetProperty(stage).GetDouble() >= 0, stage);
        Assert.True(seconds.GetProperty("model").GetDouble() > 0);
        Assert.InRange(json.GetProperty("engineShare").GetDouble(), 0, 1);
        Assert.True(json.GetProperty("memory").GetProperty("peakResident").GetInt64() > 0);
        // The checkpoint holds no validation: the default quantile, said so.
        Assert.Equal((InkInferenceOptions.DefaultQuantile, "Default"), (json.GetProperty("quantile").GetDouble(), json.GetProperty("quantileSource").GetString()));

        var text = CliRunner.Run("ink", "infer", "--fragment", Fragment, "--model", Model("a"), "--out", Out, "--tta", "flips");
        Assert.True(text.ExitCode == 0, text.Error);
        Assert.Contains("× 3 passes", text.Output);
        Assert.Contains("stages (s): setup", text.Output);
    }

    [Fact]
    public void The_kernels_on_ilgpus_cpu_accelerator_write_the_same_map_bit_for_bit()
    {
        var cpu = CliRunner.Run("ink", "infer", "--fragment", Fragment, "--model", Model("a"), "--out", Out, "--stride", "64", "--backend", "cpu", "--json");
        Assert.True(cpu.ExitCode == 0, cpu.Error);
        var expected = File.ReadAllBytes(Path.Combine(Out, "prob.npy"));
        string kernelsOut = _folder.File("kernels");
        var kernels = CliRunner.Run("ink", "infer", "--fragment", Fragment, "--model", Model("a"), "--out", kernelsOut, "--stride", "64", "--backend", "ilgpu-cpu", "--json");
        Assert.True(kernels.ExitCode == 0, kernels.Error);
        Assert.Equal(("Cpu", "IlgpuCpu"), (cpu.Json.GetProperty("backend").GetString(), kernels.Json.GetProperty("backend").GetString()));
        Assert.Equal(expected, File.ReadAllBytes(Path.Combine(kernelsOut, "prob.npy")));
        Assert.Equal(cpu.Json.GetProperty("threshold").GetDouble(), kernels.Json.GetProperty("threshold").GetDouble());
    }

    [Fact]
    public void Averages_an_ensemble()
    {
        var result = CliRunner.Run("ink", "infer", "--fragment", Fragment, "--model", Model("a"), "--model", Model("b"), "--out", Out, "--json");
        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Equal(2, result.Json.GetProperty("models").GetArrayLength());
        Assert.Equal(2 * result.Json.GetProperty("tiles").GetInt64(), result.Json.GetProperty("modelWindows").GetInt64());
    }

    [Theory]
    [InlineData("no-fragment", "does not exist")]
    [InlineData("no-mask", "has no mask.png")]
    [InlineData("no-model", "does not exist")]
    [InlineData("mixed-models", "cut different inputs")]
    [InlineData("percentile", "--percentile 93 is not a quantile in [0, 1]")]
    [InlineData("budget", "too small")]
    [InlineData("tta", "--tta mirror is not one of none, flips, distributed")]
    public void Bad_input_is_one_error_line(string problem, string message)
    {
        string fragment = Fragment, model = Model("a");
        string[] more = [];
        switch (problem)
        {
            case "no-fragment": fragment = _folder.File("nowhere"); break;
            case "no-mask": File.Delete(Path.Combine(Fragment, "mask.png")); break;
            case "no-model": model = _folder.File("no-model"); break;
            case "mixed-models": more = ["--model", Model("other")]; break;
            case "percentile": more = ["--percentile", "93"]; break;
            case "budget": more = ["--memory", "200K"]; break;
            case "tta": more = ["--tta", "mirror"]; break;
        }
        var result = CliRunner.Run(["ink", "infer", "--fragment", fragment, "--model", model, "--out", Out, .. more]);
        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("engine: error: ", result.Error);
        Assert.Contains(message, result.Error);
        Assert.Single(result.Error.TrimEnd().Split('\n'));
    }
}
