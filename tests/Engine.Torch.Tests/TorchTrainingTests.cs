using static TorchSharp.torch;

namespace Engine.Torch.Tests;

public sealed class TorchTrainingTests
{
    private const int TrainingSteps = 100;

    [Fact]
    public void TrainingAnMlpOnALearnableTaskLowersTheLoss()
    {
        float[] losses = TrainCircleClassifier(seed: 1234);

        Assert.All(losses, loss => Assert.True(float.IsFinite(loss), $"loss {loss} is not finite"));
        Assert.True(losses[^1] < 0.5f * losses[0], $"loss went from {losses[0]} to only {losses[^1]}");
    }

    [Fact]
    public void TrainingTwiceFromOneSeedGivesBitwiseIdenticalLosses()
    {
        // libtorch's CPU kernels measured deterministic here for a fixed thread count, so no tolerance.
        int[] first = Array.ConvertAll(TrainCircleClassifier(seed: 7), BitConverter.SingleToInt32Bits);
        int[] second = Array.ConvertAll(TrainCircleClassifier(seed: 7), BitConverter.SingleToInt32Bits);

        Assert.Equal(first, second);
    }

    [Fact]
    public void LibTorchSharpInTheOutputIsWeakenedExactlyWhenTheSystemLibstdcxxIsTooOld()
    {
        // runtimes/linux-x64/native/ in a portable build, the output folder itself in a RID-specific one.
        string[] libraries = Directory.GetFiles(AppContext.BaseDirectory, "libLibTorchSharp.so", SearchOption.AllDirectories);
        GlibcxxRequirement expected = LibstdcxxVersionFix.FindLibstdcxxLackingRequiredVersion() is null
            ? GlibcxxRequirement.Strict
            : GlibcxxRequirement.Weak;

        Assert.NotEmpty(libraries);
        Assert.All(libraries, library => Assert.Equal(expected, LibstdcxxVersionFix.ReadRequirement(library)));
    }

    /// <summary>
    /// Fits a one-hidden-layer MLP to points labelled by whether they lie inside a circle, a task no
    /// linear model solves, and returns the loss before each optimiser step.
    /// </summary>
    private static float[] TrainCircleClassifier(long seed)
    {
        TorchRuntime.EnsureLoaded();
        using var scope = NewDisposeScope();
        // Seeds libtorch's process-wide generator; xunit never runs two tests of one class at once.
        manual_seed(seed);

        Tensor points = rand(512, 2) * 4 - 2;
        Tensor insideCircle = points.square().sum(1).lt(1.44).@long();
        using var model = nn.Sequential(nn.Linear(2, 32), nn.Tanh(), nn.Linear(32, 2));
        using var optimizer = optim.Adam(model.parameters(), lr: 0.05);
        using var crossEntropy = nn.CrossEntropyLoss();

        var losses = new float[TrainingSteps];
        for (int step = 0; step < TrainingSteps; step++)
        {
            using var stepScope = NewDisposeScope();
            optimizer.zero_grad();
            Tensor loss = crossEntropy.forward(model.forward(points), insideCircle);
            loss.backward();
            optimizer.step();
            losses[step] = loss.item<float>();
        }

        return losses;
    }
}
