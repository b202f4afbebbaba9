using Engine.Torch.Identity;
using Engine.Torch.Tests.Ink;
using static TorchSharp.torch;

namespace Engine.Torch.Tests.Identity;

public sealed class IdentityTrainerTests : IDisposable
{
    private readonly InkTestFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private static readonly IdentityTrainerOptions Tiny = IdentityTestOptions.Small with
    {
        Model = new IdentityModelConfig { Widths = [8, 16], BlocksPerStage = 0, EmbeddingSize = 16 },
        Size = 16, Epochs = 2, BatchSize = 8,
        // Enough held-out images in a 12-individual set that the split has queries.
        HoldOutImages = 0.3,
    };

    private (IReadOnlyList<IdentityRecord> Train, string Images) TinySet()
    {
        var set = SyntheticIdentities.Write(_folder.Sub("set"), new SyntheticIdentityOptions { Species = 2, IndividualsPerSpecies = 6, MaxImages = 4, Size = 16, Seed = 2 });
        return (IdentityCsv.Read(set.TrainCsv, set.Images, requireIndividual: true), set.Images);
    }

    [Fact]
    public void Training_options_written_as_one_flat_object_by_earlier_builds_still_load()
    {
        // The settings both trainers share live in TrainerOptions now; the saved JSON stays one flat object.
        var saved = System.Text.Json.Nodes.JsonNode.Parse("""
            { "size": 32, "epochs": 7, "batchSize": 8, "learningRate": 0.001, "weightDecay": 0.5, "warmup": 0.2,
              "finalLearningRate": 0.1, "emaDecay": 0.9, "scale": 20, "seed": 5, "skipNonFinite": true }
            """)!.AsObject();
        var checkpoint = new IdentityCheckpoint(new IdentityModelConfig(), 32, IdentityResize.Stretch, 0.5,
            new Dictionary<string, double>(), new Dictionary<string, double>()) { Training = saved };

        var loaded = checkpoint.TrainerOptions()!;
        var expected = new IdentityTrainerOptions
        {
            Size = 32, Epochs = 7, BatchSize = 8, LearningRate = 0.001, WeightDecay = 0.5, Warmup = 0.2,
            FinalLearningRate = 0.1, EmaDecay = 0.9, Scale = 20, Seed = 5, SkipNonFinite = true,
        };
        Assert.Equal(expected with { Model = loaded.Model, Augmentation = loaded.Augmentation }, loaded);
        var defaults = new IdentityTrainerOptions();
        Assert.Equal((30, 3e-3, 1e-4), (defaults.Epochs, defaults.LearningRate, defaults.WeightDecay));
        var ink = new Engine.Torch.Ink.InkTrainerOptions();
        Assert.Equal((16, 2e-3, 1e-2), (ink.Epochs, ink.LearningRate, ink.WeightDecay));
    }

    [Fact]
    public void A_saved_model_loads_back_with_bit_identical_embeddings_thresholds_and_options()
    {
        TorchRuntime.EnsureLoaded();
        manual_seed(4);
        var config = new IdentityModelConfig { Widths = [8, 16], BlocksPerStage = 1, EmbeddingSize = 16, GemP = 2.5 };
        using var net = new IdentityNet(config);
        using (no_grad())
            for (int i = 0; i < 3; i++)
                net.forward(randn(4, 3, 32, 32) * 2 + 1).Dispose();
        net.eval();
        using var input = randn(3, 3, 32, 32);
        using var expected = net.forward(input);
        var species = new Dictionary<string, double> { ["whale"] = 0.42, ["dolphin"] = 0.58 };
        new IdentityCheckpoint(config, 32, IdentityResize.CenterCrop, 0.46, species, new Dictionary<string, double> { ["validMap5"] = 0.7, ["loss"] = double.NaN })
            .Save(_folder.Path, net, Tiny);

        var (loaded, checkpoint) = IdentityCheckpoint.Load(_folder.Path);
        using var _ = loaded;
        using var actual = loaded.forward(input);
        Assert.False(loaded.training);
        Assert.Equal(expected.data<float>().ToArray(), actual.data<float>().ToArray());
        Assert.Equal(config, checkpoint.Model);
        Assert.Equal((32, IdentityResize.CenterCrop, 0.46), (checkpoint.Size, checkpoint.Resize, checkpoint.Threshold));
        Assert.Equal(species, checkpoint.SpeciesThresholds);
        Assert.True(double.IsNaN(checkpoint.Metrics["loss"]));
        Assert.Equal(Tiny with { Model = Tiny.Model, Augmentation = Tiny.Augmentation }, checkpoint.TrainerOptions()! with { Model = Tiny.Model, Augmentation = Tiny.Augmentation });
        Assert.Equal(Tiny.Model, checkpoint.TrainerOptions()!.Model);
        Assert.False(File.Exists(Path.Combine(_folder.Path, IdentityCheckpoint.WeightsFile + ".tmp")));

        File.WriteAllText(Path.Combine(_folder.Path, IdentityCheckpoint.ConfigFile), "{\"format\": 1, \"kind\": \"ink\"}");
        var e = Assert.Throws<InvalidDataException>(() => IdentityCheckpoint.Read(_folder.Path));
        Assert.Contains("is not an identity model", e.Message);
    }

    [Fact]
    public void Training_twice_from_one_seed_gives_the_same_losses_and_weights_and_a_nan_stops_or_is_skipped()
    {
        var (train, images) = TinySet();
        string a = _folder.Sub("a"), b = _folder.Sub("b");
        var first = IdentityTrainer.Train(train, images, a, Tiny);
        var second = IdentityTrainer.Train(train, images, b, Tiny);
        Assert.Equal(first.StepLosses, second.StepLosses);
        Assert.All(first.StepLosses, l => Assert.True(float.IsFinite(l)));
        Assert.Equal(File.ReadAllBytes(Path.Combine(a, IdentityCheckpoint.WeightsFile)), File.ReadAllBytes(Path.Combine(b, IdentityCheckpoint.WeightsFile)));
        Assert.NotNull(first.Epochs[^1].Validation);
        Assert.Equal(first.Epochs[^1].Validation!.Threshold, IdentityCheckpoint.Read(a).Threshold);

        var e = Assert.Throws<NonFiniteValueException>(() => IdentityTrainer.Train(train, images, _folder.Sub("c"), Tiny, null, step => step == 1));
        Assert.Contains("epoch 1, step 2", e.Message);
        var skipped = IdentityTrainer.Train(train, images, _folder.Sub("d"), Tiny with { SkipNonFinite = true }, null, step => step == 1);
        Assert.Equal(1, skipped.Skipped);
        Assert.True(float.IsNaN(skipped.StepLosses[1]));
    }

    [Fact]
    public void Cancelled_training_stops_before_the_next_step_and_writes_no_model_and_a_cancelled_prediction_throws()
    {
        var (train, images) = TinySet();
        string model = _folder.Sub("cancelled");
        using var cancel = new CancellationTokenSource();
        int steps = 0;
        var progress = new ReportOnCallerThread(p =>
        {
            steps = p.Step;
            if (p.Step == 3)
                cancel.Cancel();
        });

        Assert.ThrowsAny<OperationCanceledException>(() => IdentityTrainer.Train(train, images, model, Tiny with { Epochs = 50 }, progress, cancellationToken: cancel.Token));

        Assert.Equal(3, steps);
        Assert.False(Directory.Exists(model));
        string trained = _folder.Sub("trained");
        IdentityTrainer.Train(train, images, trained, Tiny with { Epochs = 1 });
        Assert.ThrowsAny<OperationCanceledException>(() => IdentityPredictor.Predict([trained], train, train, images, threshold: 0.5, cancellationToken: cancel.Token));
    }

    private sealed class ReportOnCallerThread(Action<IdentityTrainingProgress> report) : IProgress<IdentityTrainingProgress>
    {
        public void Report(IdentityTrainingProgress value) => report(value);
    }

    [Fact]
    public void An_ensemble_of_one_model_twice_predicts_as_the_model_alone_and_pseudo_labels_take_confident_known_tops()
    {
        var (train, images) = TinySet();
        string model = _folder.Sub("m");
        IdentityTrainer.Train(train, images, model, Tiny with { Epochs = 1 });
        var test = train.Take(10).Select(r => r with { Individual = null }).ToArray();
        var one = IdentityPredictor.Predict([model], train, test, images, threshold: 0.3);
        var two = IdentityPredictor.Predict([model, model], train, test, images, threshold: 0.3);
        Assert.Equal(one.Predictions, two.Predictions);
        Assert.All(one.Predictions, p => Assert.Equal(5, p.Length));
        // A training image is its own nearest neighbour: similarity 1 to its own individual.
        Assert.Equal(train.Take(10).Select(r => r.Individual), one.TopIndividuals);
        var added = IdentityPseudoLabels.Select(one, test, 0.8);
        Assert.Equal(10, added.Count);
        Assert.Empty(IdentityPseudoLabels.Select(one, test, 1.01));
    }

    [Fact]
    public void Pseudo_label_rounds_keep_the_first_models_split_and_stop_at_a_round_that_lowers_validation()
    {
        var set = SyntheticIdentities.Write(_folder.Sub("pseudo-set"), new SyntheticIdentityOptions { Species = 2, IndividualsPerSpecies = 6, MaxImages = 4, Size = 16, Seed = 2 });
        var train = IdentityCsv.Read(set.TrainCsv, set.Images, requireIndividual: true);
        var test = IdentityCsv.Read(set.TestCsv, set.Images, requireIndividual: false);
        string model = _folder.Sub("first");
        var first = IdentityTrainer.Train(train, set.Images, model, Tiny);
        var prediction = IdentityPredictor.Predict([model], train, test, set.Images, threshold: -1);
        // Confidence −1 and threshold −1: every test image joins, so the rounds' training sets surely differ from the first.
        var (final, rounds) = IdentityPseudoLabels.Run(prediction, [model], train, test, set.Images, threshold: -1, rounds: 2, confidence: -1, _folder.Sub("rounds"));
        Assert.NotEmpty(rounds);
        double best = first.Epochs[^1].Validation!.Map;
        foreach (var round in rounds)
        {
            Assert.Equal(test.Count, round.Added);
            var metrics = IdentityCheckpoint.Read(round.Model).Metrics;
            // The pseudo-labelled images joined training only: the validation queries are the first model's.
            Assert.Equal(first.ValidationQueries, (int)metrics["validQueries"]);
            Assert.Equal(round.ValidMap, metrics["validMap5"]);
            Assert.Equal(round.ValidMap >= best, round.Kept);
            if (!round.Kept)
            {
                Assert.Same(round, rounds[^1]);
                break;
            }
            best = round.ValidMap;
        }
        Assert.Same(rounds.LastOrDefault(r => r.Kept)?.Prediction ?? prediction, final);
    }
}
