using Engine.IO;
using Engine.Torch.Ink;

namespace Engine.Torch.Tests.Ink;

/// <summary>
/// The main job shrunk to seconds, as a user runs it: train on a synthetic fragment with its right quarter held out,
/// run the saved model over the whole fragment, and score the held-out quarter.
/// </summary>
public sealed class InkEndToEndTests(TinyFragment fragment) : IClassFixture<TinyFragment>
{
    [Fact]
    public void Training_then_inference_writes_the_maps_and_beats_calling_everything_ink_on_the_held_out_strip()
    {
        var options = TinyFragment.Options with { Epochs = 4, StepsPerEpoch = 8, LearningRate = 1e-2, Augmentation = InkAugmentationOptions.None, Fold = 1 };
        // Fold 1 (columns 80..159) holds several strokes; the right quarter of this small fragment holds almost none.
        var training = InkTrainer.Train([fragment.Directory], fragment.Scratch("model"), options);
        Assert.True(training.Epochs[^1].Loss < training.Epochs[0].Loss, $"loss went from {training.Epochs[0].Loss} to {training.Epochs[^1].Loss}");

        string output = fragment.Scratch("out");
        var inference = InkInference.Run(fragment.Directory, [Path.Combine(training.ModelDirectory, "last")], output,
            new InkInferenceOptions { Stride = 32, Tta = InkTta.Flips, Quantile = 0.9 });

        var mask = MapFile.ReadMask(Path.Combine(fragment.Directory, "mask.png"));
        var truth = MapFile.ReadMask(Path.Combine(fragment.Directory, "inklabels.png"));
        Assert.Equal((mask.Width, mask.Height), (inference.Width, inference.Height));
        var map = NpyFile.ReadFloat32(inference.ProbabilityNpy);
        Assert.Equal([mask.Height, mask.Width], map.Shape);
        Assert.Equal(map.Data, TiffImage.Read(inference.ProbabilityTiff).Pixels);
        var ink = PngImage.Read(inference.InkPng);
        Assert.Equal((mask.Width, mask.Height), (ink.Width, ink.Height));
        Assert.Equal(inference.InkPixels, ink.Pixels.LongCount(p => p != 0));
        Assert.True(File.Exists(inference.OverlayPng) && File.Exists(inference.ProbabilityPng));
        Assert.All(map.Data, p => Assert.InRange(p, 0f, 1f));

        // As engine demo scores it: the percentile chosen on the trained part, F0.5 on the held-out strip.
        var score = HeldOutScore.Evaluate(map.Data, mask, truth, options.ValidationColumns(mask.Width));
        Assert.True(score.HeldOut.FBeta > score.AllInk.FBeta, $"held-out F0.5 {score.HeldOut.FBeta:F3} (percentile {score.Quantile}) does not beat calling everything ink ({score.AllInk.FBeta:F3})");
    }
}
