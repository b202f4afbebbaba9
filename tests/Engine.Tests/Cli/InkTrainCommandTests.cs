using Engine.Torch.Ink;
using Engine.Volumes;

namespace Engine.Tests.Cli;

/// <summary>engine ink train on a small synthetic fragment: a short run that writes a loadable model, and every error path.</summary>
public sealed class InkTrainCommandTests : IDisposable
{
    private readonly TempFolder _folder = new();
    private readonly string _fragment;

    public InkTrainCommandTests()
    {
        _fragment = _folder.File("fragment");
        SyntheticFragment.Write(_fragment, new SyntheticFragmentOptions { Width = 256, Height = 192, Slices = 14, Seed = 2, InkSlices = new SliceRange(5, 8) });
    }

    public void Dispose() => _folder.Dispose();

    /// <summary>A two-epoch run of two steps each; <paramref name="changes"/> (option, value pairs) replace or add options.</summary>
    private string[] Short(params string[] changes)
    {
        var options = new Dictionary<string, string>
        {
            ["--fragment"] = _fragment, ["--out"] = _folder.File("model"), ["--epochs"] = "2", ["--steps-per-epoch"] = "2",
            ["--tile"] = "64", ["--slices"] = "3..10", ["--batch"] = "4",
        };
        var flags = new List<string>();
        for (int i = 0; i < changes.Length; i++)
        {
            if (i + 1 < changes.Length && !changes[i + 1].StartsWith("--", StringComparison.Ordinal))
                options[changes[i]] = changes[++i];
            else
                flags.Add(changes[i]);
        }
        return ["ink", "train", .. options.SelectMany(o => new[] { o.Key, o.Value }), .. flags];
    }

    [Fact]
    public void A_short_run_writes_a_loadable_model_and_reports_every_epoch()
    {
        var result = CliRunner.Run(Short("--json", "--labels", "bilinear"));

        Assert.Equal(0, result.ExitCode);
        var json = result.Json;
        Assert.Equal(2, json.GetProperty("epochs").GetArrayLength());
        Assert.Equal(4, json.GetProperty("steps").GetInt32());
        Assert.Equal("bilinear", json.GetProperty("labels").GetString());
        Assert.Equal(4, json.GetProperty("groups").GetInt32());
        double f = json.GetProperty("best").GetProperty("fBeta").GetDouble();
        Assert.InRange(f, 0, 1);
        Assert.True(json.GetProperty("epochs")[0].GetProperty("tilesPerSecond").GetDouble() > 0);
        var checkpoint = InkCheckpoint.Read(_folder.File("model"));
        Assert.Equal(new SliceRange(3, 10), checkpoint.Input.Slices);
        Assert.Equal((4, 2), (checkpoint.Model.Groups, checkpoint.Model.ChannelsPerGroup));
        Assert.Equal(f, checkpoint.Metrics["validFBeta"]);
        using var model = InkCheckpoint.LoadModel(_folder.File("model"));
        Assert.False(model.training);
    }

    [Fact]
    public void The_text_output_has_a_line_per_epoch_and_a_summary()
    {
        var result = CliRunner.Run(Short("--folds", "1"));

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("epoch 1: loss", result.Output);
        Assert.Contains("epoch 2: loss", result.Output);
        Assert.Contains("trained 2 epochs, 4 steps of 4 tiles", result.Output);
        Assert.Contains("no validation (--folds 1)", result.Output);
        Assert.True(File.Exists(Path.Combine(_folder.File("model"), InkCheckpoint.WeightsFile)));
    }

    [Theory]
    [InlineData("--slices", "abc", "\"abc\" is not FIRST..LAST")]
    [InlineData("--slices", "8..15", "fall outside")]
    [InlineData("--tile", "48", "--tile 48 is not a multiple of 32")]
    [InlineData("--labels", "nearest", "--labels nearest is not one of area, bilinear")]
    [InlineData("--on-nan", "ignore", "--on-nan ignore is not one of stop, skip")]
    [InlineData("--groups", "3", "do not split into --groups 3")]
    [InlineData("--fold", "4", "--fold 4 is outside 0 … 3 (--folds 4)")]
    [InlineData("--epochs", "0", "--epochs 0 is outside 1 … 100000")]
    public void Bad_options_are_one_line_errors(string option, string value, string message)
    {
        var result = CliRunner.Run(Short(option, value));

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("engine: error: ", result.Error);
        Assert.Contains(message, result.Error);
        Assert.Single(result.Error.Trim().Split('\n'));
    }

    [Fact]
    public void A_missing_fragment_or_label_file_is_named()
    {
        var missing = CliRunner.Run("ink", "train", "--fragment", _folder.File("nowhere"), "--out", _folder.File("model"));
        Assert.Equal(1, missing.ExitCode);
        Assert.Contains($"engine: error: The fragment directory {_folder.File("nowhere")} does not exist.", missing.Error);

        File.Delete(Path.Combine(_fragment, "inklabels.png"));
        var labels = CliRunner.Run(Short());
        Assert.Equal(1, labels.ExitCode);
        Assert.Contains($"engine: error: {Path.Combine(_fragment, "inklabels.png")} is missing", labels.Error);
    }

    [Fact]
    public void A_missing_required_option_is_a_usage_error()
    {
        var result = CliRunner.Run("ink", "train", "--fragment", _fragment);
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("--out", result.Error);
    }
}
