using Engine.IO;
using Engine.Segmentation;
using Engine.Torch.Ink;
using static TorchSharp.torch;

namespace Engine.Torch.Tests.Ink;

public sealed class InkTrainerTests(TinyFragment fragment) : IClassFixture<TinyFragment>
{
    [Fact]
    public void The_loss_falls_and_the_validation_map_beats_calling_everything_ink()
    {
        var options = TinyFragment.Options with { Epochs = 4, StepsPerEpoch = 8, LearningRate = 1e-2, Augmentation = InkAugmentationOptions.None };
        var result = InkTrainer.Train([fragment.Directory], fragment.Scratch("model"), options);

        Assert.Equal(32, result.StepLosses.Count);
        Assert.All(result.StepLosses, l => Assert.True(float.IsFinite(l)));
        Assert.True(result.Epochs[^1].Loss < 0.85 * result.Epochs[0].Loss, $"loss went from {result.Epochs[0].Loss} to {result.Epochs[^1].Loss}");
        // Calling every pixel of the strip ink scores F0.5 = 1.25·p / (0.25 + p) at prevalence p.
        var labels = MapFile.ReadMask(Path.Combine(fragment.Directory, "inklabels.png")).Pixels;
        var mask = MapFile.ReadMask(Path.Combine(fragment.Directory, "mask.png")).Pixels;
        var strip = Enumerable.Range(0, mask.Length).Where(i => mask[i] != 0 && i % 320 >= 240).ToArray();
        double prevalence = strip.Average(i => (double)labels[i]);
        double trivial = 1.25 * prevalence / (0.25 + prevalence);
        Assert.NotNull(result.Best);
        Assert.True(result.Best.FBeta > trivial + 0.1, $"validation F0.5 {result.Best.FBeta:F3} does not beat the trivial {trivial:F3}");
        Assert.InRange(result.Best.Quantile, 0.5, 0.99);
    }

    [Fact]
    public void Two_runs_from_one_seed_give_bitwise_identical_losses_and_maps()
    {
        var options = TinyFragment.Options with { Epochs = 2, StepsPerEpoch = 4 };
        var first = InkTrainer.Train([fragment.Directory], fragment.Scratch("a"), options);
        var second = InkTrainer.Train([fragment.Directory], fragment.Scratch("b"), options);
        var other = InkTrainer.Train([fragment.Directory], fragment.Scratch("c"), options with { Seed = 12 });

        Assert.Equal(first.StepLosses.Select(BitConverter.SingleToInt32Bits), second.StepLosses.Select(BitConverter.SingleToInt32Bits));
        Assert.Equal(first.BestMaps![0], second.BestMaps![0]);
        Assert.NotEqual(first.StepLosses, other.StepLosses);
    }

    [Fact]
    public void The_saved_model_loads_back_and_reproduces_the_validation_maps_and_score()
    {
        var options = TinyFragment.Options;
        string directory = fragment.Scratch("model");
        var result = InkTrainer.Train([fragment.Directory], directory, options);

        var checkpoint = InkCheckpoint.Read(directory);
        using var model = InkCheckpoint.LoadModel(directory);
        var set = InkTileSet.Load([fragment.Directory], options);
        // In batches of the training's size: libtorch's float32 sigmoid rounds a value's last bit differently in its
        // vector body and its scalar tail, so where a value falls in a batch can move it by an ulp.
        var maps = InkValidation.Predict(model, set, options.BatchSize, epoch: 1, compute: null);

        Assert.Equal(result.BestMaps![0], maps[0]);
        Assert.Equal(result.Best!.FBeta, checkpoint.Metrics["validFBeta"]);
        Assert.Equal(result.Best, InkValidation.Score(maps, set, 0.5));
        Assert.Equal(result.BestEpoch, checkpoint.Metrics["epoch"]);
        Assert.Equal(options.Input, checkpoint.Input);
        Assert.Equal("Area", checkpoint.Training?["labels"]?.GetValue<string>());
        Assert.True(File.Exists(Path.Combine(directory, "last", InkCheckpoint.WeightsFile)));
    }

    [Fact]
    public void A_non_finite_step_stops_training_naming_the_epoch_and_step_or_is_skipped_and_counted()
    {
        var options = TinyFragment.Options with { Epochs = 2, StepsPerEpoch = 4 };
        // Step 5 (from 0) is the second step of the second epoch.
        var e = Assert.Throws<NonFiniteValueException>(() => InkTrainer.Train([fragment.Directory], fragment.Scratch("stop"), options, null, poison: s => s == 5));
        Assert.Contains("epoch 2, step 2", e.Message);

        string directory = fragment.Scratch("skip");
        var result = InkTrainer.Train([fragment.Directory], directory, options with { OnNonFinite = InkNonFinitePolicy.Skip }, null, poison: s => s == 5);
        Assert.Equal(1, result.SkippedSteps);
        Assert.Equal(1, result.Epochs[1].SkippedSteps);
        Assert.True(float.IsNaN(result.StepLosses[5]));
        Assert.All(result.StepLosses.Where((_, i) => i != 5), l => Assert.True(float.IsFinite(l)));
        // The skipped step left no NaN behind in the weights or the batch-norm statistics.
        using var model = InkCheckpoint.LoadModel(directory);
        Assert.All(model.state_dict().Values, t => Assert.True(t.isfinite().all().item<bool>()));
    }

    [Fact]
    public void A_run_that_fails_after_its_best_epoch_was_saved_leaves_the_model_directory_as_it_was()
    {
        var options = TinyFragment.Options with { Epochs = 2, StepsPerEpoch = 4 };
        string directory = fragment.Scratch("kept");
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, InkCheckpoint.ConfigFile), "an older config");
        File.WriteAllText(Path.Combine(directory, "notes.txt"), "a user's notes");
        // Epoch 1 is validated and saved as the best; step 5 of epoch 2 stops the run.
        Assert.Throws<NonFiniteValueException>(() => InkTrainer.Train([fragment.Directory], directory, options, null, poison: s => s == 5));
        Assert.Equal(["config.json", "notes.txt"], Directory.GetFileSystemEntries(directory).Select(Path.GetFileName).Order());
        Assert.Equal("an older config", File.ReadAllText(Path.Combine(directory, InkCheckpoint.ConfigFile)));
        string parent = Path.GetDirectoryName(directory)!;
        Assert.DoesNotContain(Directory.GetFileSystemEntries(parent), e => Path.GetFileName(e).StartsWith('.'));

        // A fresh path gets nothing at all.
        string fresh = fragment.Scratch("fresh");
        Assert.Throws<NonFiniteValueException>(() => InkTrainer.Train([fragment.Directory], fresh, options, null, poison: s => s == 5));
        Assert.False(Directory.Exists(fresh));
    }

    [Fact]
    public void A_fragment_without_inklabels_is_named()
    {
        string copy = CopyOfFragment();
        File.Delete(Path.Combine(copy, "inklabels.png"));
        var e = Assert.Throws<FileNotFoundException>(() => InkTrainer.Train([copy], fragment.Scratch("m"), TinyFragment.Options));
        Assert.Contains(Path.Combine(copy, "inklabels.png"), e.Message);
    }

    [Fact]
    public void A_label_map_of_another_size_is_named_with_both_sizes()
    {
        string copy = CopyOfFragment();
        PngImage.Write(Path.Combine(copy, "inklabels.png"), new byte[300 * 256], 300, 256);
        var e = Assert.Throws<ArgumentException>(() => InkTrainer.Train([copy], fragment.Scratch("m"), TinyFragment.Options));
        Assert.Contains("inklabels.png is 256 × 300", e.Message);
        Assert.Contains("mask.png is 256 × 320", e.Message);
    }

    [Fact]
    public void A_mask_of_another_size_than_the_slices_is_named()
    {
        string copy = CopyOfFragment();
        PngImage.Write(Path.Combine(copy, "mask.png"), Enumerable.Repeat((byte)255, 300 * 256).ToArray(), 300, 256);
        PngImage.Write(Path.Combine(copy, "inklabels.png"), new byte[300 * 256], 300, 256);
        var e = Assert.Throws<ArgumentException>(() => InkTrainer.Train([copy], fragment.Scratch("m"), TinyFragment.Options));
        Assert.Contains(Path.Combine(copy, "mask.png") + " is 256 × 300", e.Message);
        Assert.Contains("are 256 × 320", e.Message);
    }

    [Fact]
    public void Bad_slices_tiles_folds_and_directories_are_named()
    {
        var options = TinyFragment.Options;
        var slices = Assert.Throws<ArgumentException>(() => InkTrainer.Train([fragment.Directory], fragment.Scratch("m"),
            options with { Input = options.Input with { Slices = new(10, 17) } }));
        Assert.Contains("10..17", slices.Message);
        Assert.Contains("16 slices", slices.Message);

        var tile = Assert.Throws<ArgumentException>(() => InkTrainer.Train([fragment.Directory], fragment.Scratch("m"),
            options with { Input = options.Input with { Tile = 48 } }));
        Assert.Contains("tile is 48", tile.Message);

        Assert.Contains("fold is 4", Assert.Throws<ArgumentException>(() => InkTrainer.Train([fragment.Directory], fragment.Scratch("m"), options with { Fold = 4 })).Message);
        string missing = fragment.Scratch("missing");
        Assert.Contains(missing, Assert.Throws<DirectoryNotFoundException>(() => InkTrainer.Train([missing], fragment.Scratch("m"), options)).Message);
        Assert.Contains("at least one fragment", Assert.Throws<ArgumentException>(() => InkTrainer.Train([], fragment.Scratch("m"), options)).Message);
    }

    [Fact]
    public void Tiles_overlapping_the_validation_strip_are_never_trained_on()
    {
        var set = InkTileSet.Load([fragment.Directory], TinyFragment.Options);

        Assert.NotEmpty(set.Train);
        Assert.NotEmpty(set.Valid);
        // 4 folds of 320 px: the last strip is columns 240..319.
        Assert.All(set.Train, t => Assert.True(t.Origin.X + 64 <= 240, $"training tile at x = {t.Origin.X} reaches the strip"));
        Assert.All(set.Valid, t => Assert.True(t.Origin.X + 64 > 240));
        Assert.Equal(2, set.Below);
        Assert.Equal(2, set.Above);
        Assert.Equal(12 * 64 * 64, set.Train[0].Slices.Length);
    }

    private string CopyOfFragment()
    {
        string copy = fragment.Scratch("copy");
        foreach (string file in Directory.GetFiles(fragment.Directory, "*", SearchOption.AllDirectories))
        {
            string target = Path.Combine(copy, Path.GetRelativePath(fragment.Directory, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
        return copy;
    }
}
