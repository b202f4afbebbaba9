using System.Text.Json.Nodes;
using Engine.Torch.Ink;
using Engine.Volumes;

namespace Engine.Torch.Tests.Ink;

/// <summary>
/// Issue 12: a truncated or altered checkpoint is an error naming the file and the field or problem, before a byte
/// reaches TorchSharp; never a crash inside libtorch or a model with wrong weights. The hostile variants are made
/// here from a tiny model's checkpoint (see tests/data/hostile/checkpoint/README.md), since a checked-in one would
/// have to follow every change of the model.
/// </summary>
public sealed class HostileCheckpointTests : IDisposable
{
    private static readonly InkInput Input = new() { Slices = new SliceRange(10, 15), Tile = 64, Scale = TileScale.Divide65535, Normalize = true };
    private readonly InkTestFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    /// <summary>Each variant: its name, how it alters config.json and weights.bin of a valid checkpoint, and a phrase of its error.</summary>
    public static TheoryData<string, string> Variants => new()
    {
        { "truncated-weights", "is 1,2" },
        { "weights-one-byte-flipped", "checksum (XXH3-64)" },
        { "weights-appended", "bytes but config.json records" },
        { "weights-from-another-model", "config.json records" },
        { "weights-empty", "bytes but config.json records" },
        { "config-without-weights-digest", "lacks the \"weights\" object" },
        { "config-absurd-weights-bytes", "records 1,000,000,000,000,000,000" },
        { "config-bad-checksum-text", "16 lower-case hex digits" },
        { "config-absurd-width", "\"model.widths\" is 1000000000" },
        { "config-absurd-groups", "\"model.groups × model.channelsPerGroup\" is 4000000000000" },
        { "config-absurd-tile", "\"input.tile\" is 1048576" },
        { "config-missing-widths", "lacks the field \"model.widths\"" },
        { "config-wrong-shape", "cannot be loaded into the model" },
        { "config-truncated", "is not valid JSON" },
        { "config-future-format", "has format 3" },
        { "format-1-truncated-weights", "cannot be loaded into the model" },
    };

    [Theory]
    [MemberData(nameof(Variants))]
    public void An_altered_checkpoint_is_a_clear_error(string variant, string expected)
    {
        TorchRuntime.EnsureLoaded();
        string directory = _folder.Sub(variant);
        using (var model = new InkModel(InkModelTests.Tiny))
            InkCheckpoint.Save(directory, model, Input, new Dictionary<string, double>());
        string config = Path.Combine(directory, InkCheckpoint.ConfigFile), weights = Path.Combine(directory, InkCheckpoint.WeightsFile);
        var root = JsonNode.Parse(File.ReadAllText(config))!.AsObject();
        var bytes = File.ReadAllBytes(weights);
        Alter(variant, root, ref bytes);
        File.WriteAllText(config, variant == "config-truncated" ? root.ToJsonString()[..40] : root.ToJsonString());
        File.WriteAllBytes(weights, bytes);

        var e = Assert.Throws<InvalidDataException>(() => InkCheckpoint.LoadModel(directory).Dispose());
        Assert.Contains(directory, e.Message);
        Assert.Contains(expected, e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    private void Alter(string variant, JsonObject root, ref byte[] weights)
    {
        switch (variant)
        {
            case "truncated-weights": weights = weights[..1200]; break;
            case "weights-one-byte-flipped": weights[weights.Length / 2] ^= 0x04; break;
            case "weights-appended": weights = [.. weights, 0]; break;
            case "weights-empty": weights = []; break;
            case "weights-from-another-model":
                string other = _folder.Sub(variant + "-other");
                using (var model = new InkModel(InkModelTests.Tiny with { NeckChannels = 5 }))
                    InkCheckpoint.Save(other, model, Input, new Dictionary<string, double>());
                weights = File.ReadAllBytes(Path.Combine(other, InkCheckpoint.WeightsFile));
                break;
            case "config-without-weights-digest": root.Remove("weights"); break;
            case "config-absurd-weights-bytes": root["weights"]!["bytes"] = 1_000_000_000_000_000_000; break;
            case "config-bad-checksum-text": root["weights"]!["xxh3"] = "not-a-checksum!!"; break;
            case "config-absurd-width": root["model"]!["widths"] = new JsonArray(16, 24, 32, 48, 1_000_000_000); break;
            case "config-absurd-groups":
                root["model"]!["groups"] = 2_000_000;
                root["model"]!["channelsPerGroup"] = 2_000_000;
                break;
            case "config-absurd-tile": root["input"]!["tile"] = 1 << 20; break;
            case "config-missing-widths": root["model"]!.AsObject().Remove("widths"); break;
            // The digest still matches the weights; their tensors do not fit the model the config now describes.
            case "config-wrong-shape": root["model"]!["neckChannels"] = 7; break;
            case "config-truncated": break;
            case "config-future-format": root["format"] = 3; break;
            case "format-1-truncated-weights":
                root["format"] = 1;
                root.Remove("weights");
                weights = weights[..(weights.Length - 10)];
                break;
            default: throw new ArgumentException(variant);
        }
    }

    [Fact]
    public void A_format_1_checkpoint_still_loads()
    {
        TorchRuntime.EnsureLoaded();
        string directory = _folder.Sub("v1");
        using (var model = new InkModel(InkModelTests.Tiny))
            InkCheckpoint.Save(directory, model, Input, new Dictionary<string, double>());
        string config = Path.Combine(directory, InkCheckpoint.ConfigFile);
        var root = JsonNode.Parse(File.ReadAllText(config))!.AsObject();
        root["format"] = 1;
        root.Remove("weights");
        File.WriteAllText(config, root.ToJsonString());
        Assert.Null(InkCheckpoint.Read(directory).Weights);
        using var loaded = InkCheckpoint.LoadModel(directory);
        Assert.NotNull(loaded);
    }

    [Fact]
    public void A_failed_save_leaves_the_older_checkpoint_whole()
    {
        TorchRuntime.EnsureLoaded();
        string directory = _folder.Sub("kept");
        using (var model = new InkModel(InkModelTests.Tiny))
            InkCheckpoint.Save(directory, model, Input, new Dictionary<string, double>());
        var before = Directory.GetFiles(directory).ToDictionary(f => Path.GetFileName(f), File.ReadAllBytes);
        // An input that does not fit the model fails after nothing — and a model that cannot be saved after the folder exists.
        using (var model = new InkModel(InkModelTests.Tiny))
            Assert.Throws<ArgumentException>(() => InkCheckpoint.Save(directory, model, Input with { Tile = 100 }, new Dictionary<string, double>()));
        Assert.Equal(before.Keys.Order(), Directory.GetFiles(directory).Select(Path.GetFileName).Order());
        foreach (var (name, bytes) in before)
            Assert.Equal(bytes, File.ReadAllBytes(Path.Combine(directory, name)));
    }
}
