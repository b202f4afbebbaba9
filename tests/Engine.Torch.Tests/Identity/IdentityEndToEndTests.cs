using System.Diagnostics;
using Engine.Search;
using Engine.Torch.Identity;
using Engine.Torch.Tests.Ink;
using Xunit.Abstractions;

namespace Engine.Torch.Tests.Identity;

public sealed class IdentityEndToEndTests(ITestOutputHelper log) : IDisposable
{
    private readonly InkTestFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    /// <summary>
    /// `engine demo identify` shrunk (2 species of 24 individuals, 32-px photos, a small net): the trained model must
    /// beat raw pixels searched and ranked the same way, although the baseline's threshold is chosen on the test
    /// truth and the model's on its own validation split. docs/performance.md has the full demo's numbers.
    /// </summary>
    [Fact]
    public void A_small_synthetic_run_beats_the_raw_pixel_baseline()
    {
        var clock = Stopwatch.StartNew();
        var set = SyntheticIdentities.Write(_folder.Path, new SyntheticIdentityOptions { Species = 2, IndividualsPerSpecies = 24, MaxImages = 10, Size = 32, Seed = 5 });
        var train = IdentityCsv.Read(set.TrainCsv, set.Images, requireIndividual: true);
        var test = IdentityCsv.Read(set.TestCsv, set.Images, requireIndividual: false);
        var truth = IdentityCsv.Read(set.TruthCsv, null, requireIndividual: true).ToDictionary(r => r.Image, r => r.Individual!);
        string model = _folder.Sub("model");
        var result = IdentityTrainer.Train(train, set.Images, model, IdentityTestOptions.Small with { Epochs = 40, Model = IdentityTestOptions.Small.Model with { EmbeddingSize = 64 } });
        var prediction = IdentityPredictor.Predict([model], train, test, set.Images, threshold: null);
        var truths = test.Select(t => truth[t.Image]).ToArray();
        double map = IdentityRanking.MapAtK(prediction.Predictions, truths);
        var (labels, scores) = IdentityPredictor.RawPixelRanking(train, test, set.Images);
        var (_, baseline, _) = IdentityRanking.BestThreshold<string>(labels, scores, truths, IdentityRanker.Candidates, IdentityRanking.NewIndividual);
        log.WriteLine($"{set.TrainImages} train, {set.TestImages} test; MAP@5 {map:F3} vs baseline {baseline:F3}; loss {result.Epochs[0].Loss:F2} → {result.Epochs[^1].Loss:F2}; {clock.Elapsed.TotalSeconds:F1} s");
        Assert.True(result.Epochs[^1].Loss < result.Epochs[0].Loss / 2);
        Assert.True(map > baseline, $"MAP@5 {map:F3} does not beat the raw-pixel baseline {baseline:F3}");
    }
}

internal static class IdentityTestOptions
{
    public static IdentityTrainerOptions Small { get; } = new()
    {
        Model = new IdentityModelConfig { Widths = [16, 32, 48], BlocksPerStage = 0, EmbeddingSize = 32 },
        Size = 32,
        Epochs = 3,
    };
}
