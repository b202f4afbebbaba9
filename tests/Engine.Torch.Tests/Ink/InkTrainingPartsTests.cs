using Engine.Torch.Ink;
using static TorchSharp.torch;

namespace Engine.Torch.Tests.Ink;

public sealed class InkTrainingPartsTests
{
    [Fact]
    public void The_schedule_warms_up_linearly_then_follows_a_cosine_to_the_final_rate()
    {
        double[] rates = Enumerable.Range(0, 100).Select(s => LearningRateSchedule.At(s, 100, 1.0, 0.1, 0.02)).ToArray();

        Assert.Equal(0.1, rates[0], 12);
        Assert.Equal(1.0, rates[9], 12);
        Assert.Equal(1.0, rates[10], 12);
        Assert.Equal(0.02, rates[^1], 12);
        Assert.Equal(0.02 + 0.98 * 0.5 * (1 + Math.Cos(Math.PI * 44 / 89)), rates[54], 12);
        Assert.All(rates.Skip(10).Zip(rates.Skip(11)), p => Assert.True(p.Second <= p.First));
    }

    [Fact]
    public void The_soft_f_beta_is_one_for_a_perfect_prediction_and_follows_the_formula()
    {
        TorchRuntime.EnsureLoaded();
        using var targets = tensor(new float[] { 1, 0, 1, 0 });
        using var perfect = InkLoss.SoftFBeta(targets, targets, 0.5);
        using var soft = InkLoss.SoftFBeta(tensor(new float[] { 0.5f, 0.5f, 1, 0 }), targets, 0.5);

        Assert.Equal(1.0, perfect.item<float>(), 5);
        // TP 1.5, FP 0.5, FN 0.5: 1.25·1.5 / (1.25·1.5 + 0.25·0.5 + 0.5).
        Assert.Equal(1.875 / 2.5, soft.item<float>(), 5);
    }

    [Fact]
    public void Every_augmentation_moves_the_labels_with_the_image()
    {
        // Every channel of the image is the label map itself, so after any joint warp they must still agree.
        TorchRuntime.EnsureLoaded();
        manual_seed(5);
        using var labels = (rand(6, 1, 64, 64) > 0.7f).to(ScalarType.Float32);
        using var images = labels.repeat(1, 3, 1, 1);
        var options = new InkAugmentationOptions { Flips = true, Affine = 1, Cutout = 1, BrightnessContrast = 0, ChannelShuffle = 0, ZShift = 0 };

        var (augmentedImages, augmentedLabels) = InkAugmentation.Apply(images, labels, options, new Random(3));
        using (augmentedImages)
        using (augmentedLabels)
        {
            Assert.Equal(images.shape, augmentedImages.shape);
            Assert.Equal(labels.shape, augmentedLabels.shape);
            for (int c = 0; c < 3; c++)
                Assert.True(augmentedImages[.., c..(c + 1)].equal(augmentedLabels).all().item<bool>(), $"channel {c} parted from the labels");
            Assert.False(augmentedLabels.equal(labels).all().item<bool>());
        }
    }
}
