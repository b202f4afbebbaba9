using System.Text.Json.Nodes;
using Engine.Torch.Ink;
using Engine.Volumes;
using static TorchSharp.torch;

namespace Engine.Torch.Tests.Ink;

public sealed class InkCheckpointTests : IDisposable
{
    private static readonly InkInput Input = new() { Slices = new SliceRange(10, 15), Tile = 64, Scale = TileScale.Divide65535, Normalize = true };
    private readonly InkTestFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void A_saved_model_loads_back_with_bit_identical_logits_and_its_config()
    {
        TorchRuntime.EnsureLoaded();
        manual_seed(3);
        using var model = new InkModel(InkModelTests.Tiny);
        // A few training-mode passes move the batch-norm statistics away from their initial values, so the test
        // sees whether the buffers are saved along with the weights.
        using (no_grad())
            for (int i = 0; i < 3; i++)
                model.forward(randn(2, 6, 64, 64) * 3 + 1).Dispose();
        model.eval();
        using var input = randn(2, 6, 64, 96);
        using var expected = model.forward(input);
        var metrics = new Dictionary<string, double> { ["validF05"] = 0.75, ["loss"] = double.NaN };
        InkCheckpoint.Save(_folder.Path, model, Input, metrics, new { epochs = 3, labels = "area" });

        using var loaded = InkCheckpoint.LoadModel(_folder.Path);
        using var actual = loaded.forward(input);
        var checkpoint = InkCheckpoint.Read(_folder.Path);

        Assert.False(loaded.training);
        Assert.Equal(expected.data<float>().ToArray(), actual.data<float>().ToArray());
        Assert.Equal(InkModelTests.Tiny, checkpoint.Model);
        Assert.NotEqual(InkModelTests.Tiny with { Widths = [4, 6, 8, 8, 9] }, checkpoint.Model);
        Assert.Equal(Input, checkpoint.Input);
        Assert.Equal(0.75, checkpoint.Metrics["validF05"]);
        Assert.True(double.IsNaN(checkpoint.Metrics["loss"]));
        Assert.Equal("area", checkpoint.Training?["labels"]?.GetValue<string>());
        Assert.Contains("\"slices\": \"10..15\"", File.ReadAllText(Path.Combine(_folder.Path, InkCheckpoint.ConfigFile)));
    }

    [Fact]
    public void A_missing_directory_or_config_is_named()
    {
        string missing = _folder.Sub("nope");
        Assert.Contains(missing, Assert.Throws<DirectoryNotFoundException>(() => InkCheckpoint.Read(missing)).Message);
        var e = Assert.Throws<FileNotFoundException>(() => InkCheckpoint.Read(_folder.Path));
        Assert.Contains("config.json", e.Message);
        Assert.Contains(_folder.Path, e.Message);
    }

    [Theory]
    [InlineData("{ not json", "not valid JSON")]
    [InlineData("[1, 2]", "no JSON object")]
    [InlineData("""{"format": 1, "input": {}}""", "\"model\"")]
    [InlineData("""{"format": 3}""", "format 3")]
    public void A_garbled_config_is_named_with_the_problem(string json, string problem)
    {
        string path = Path.Combine(_folder.Path, InkCheckpoint.ConfigFile);
        File.WriteAllText(path, json);

        var e = Assert.Throws<InvalidDataException>(() => InkCheckpoint.Read(_folder.Path));
        Assert.Contains(path, e.Message);
        Assert.Contains(problem, e.Message);
    }

    [Theory]
    [InlineData("model", "groups", null, "lacks the field \"model.groups\"")]
    [InlineData("model", "widths", "\"wide\"", "\"model.widths\" holds \"wide\"")]
    [InlineData("input", "slices", "\"9..2\"", "\"input.slices\"")]
    [InlineData("input", "scale", "\"Tenfold\"", "\"input.scale\"")]
    [InlineData("input", "tile", "100", "multiple of 32")]
    [InlineData("input", "slices", "\"10..20\"", "11 slices")]
    public void A_missing_or_invalid_field_is_named(string section, string field, string? value, string problem)
    {
        TorchRuntime.EnsureLoaded();
        using (var model = new InkModel(InkModelTests.Tiny))
            InkCheckpoint.Save(_folder.Path, model, Input, new Dictionary<string, double>());
        string path = Path.Combine(_folder.Path, InkCheckpoint.ConfigFile);
        var root = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        var node = root[section]!.AsObject();
        node.Remove(field);
        if (value is not null)
            node[field] = JsonNode.Parse(value);
        File.WriteAllText(path, root.ToJsonString());

        var e = Assert.Throws<InvalidDataException>(() => InkCheckpoint.Read(_folder.Path));
        Assert.Contains(path, e.Message);
        Assert.Contains(problem, e.Message);
    }

    [Fact]
    public void Missing_or_garbled_weights_are_named()
    {
        TorchRuntime.EnsureLoaded();
        using (var model = new InkModel(InkModelTests.Tiny))
            InkCheckpoint.Save(_folder.Path, model, Input, new Dictionary<string, double>());
        string weights = Path.Combine(_folder.Path, InkCheckpoint.WeightsFile);

        File.WriteAllBytes(weights, [1, 2, 3, 4, 5]);
        Assert.Contains(weights, Assert.Throws<InvalidDataException>(() => InkCheckpoint.LoadModel(_folder.Path)).Message);

        File.Delete(weights);
        Assert.Contains(InkCheckpoint.WeightsFile, Assert.Throws<FileNotFoundException>(() => InkCheckpoint.LoadModel(_folder.Path)).Message);
    }

    [Fact]
    public void Weights_saved_from_another_config_are_rejected()
    {
        TorchRuntime.EnsureLoaded();
        using (var model = new InkModel(InkModelTests.Tiny with { NeckChannels = 5 }))
            InkCheckpoint.Save(_folder.Path, model, Input, new Dictionary<string, double>());
        string path = Path.Combine(_folder.Path, InkCheckpoint.ConfigFile);
        File.WriteAllText(path, File.ReadAllText(path).Replace("\"neckChannels\": 5", "\"neckChannels\": 6"));

        Assert.Contains("weights.bin", Assert.Throws<InvalidDataException>(() => InkCheckpoint.LoadModel(_folder.Path)).Message);
    }
}
