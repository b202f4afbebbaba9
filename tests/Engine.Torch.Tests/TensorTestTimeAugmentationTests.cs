using Engine.Segmentation;
using static TorchSharp.torch;

namespace Engine.Torch.Tests;

public sealed class TensorTestTimeAugmentationTests
{
    private static readonly TtaTransform[] All =
        [TtaTransform.Identity, TtaTransform.FlipHorizontal, TtaTransform.FlipVertical, TtaTransform.Rotate90, TtaTransform.Rotate180, TtaTransform.Rotate270];

    private static float[] Data(int length, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, length).Select(_ => (float)random.NextDouble()).ToArray();
    }

    [Theory]
    [InlineData(TtaPolicy.Full)]
    [InlineData(TtaPolicy.Distributed)]
    public void Tensors_and_spans_give_the_same_batches_and_undo_them(TtaPolicy policy)
    {
        TorchRuntime.EnsureLoaded();
        int n = 5, channels = 3, size = 4;
        var windows = Data(n * channels * size * size, 3);
        using var batch = tensor(windows, [n, channels, size, size]);
        using var transformed = TensorTestTimeAugmentation.Transform(batch, All, policy, firstWindow: 2);
        var expected = TestTimeAugmentation.Transform(windows, n, channels, size, size, All, policy, firstWindow: 2);
        Assert.Equal(expected, transformed.data<float>().ToArray());

        // The model's "output": its first channel, so undoing must give each window's first channel back.
        using var outputs = transformed.narrow(1, 0, 1).contiguous();
        using var back = TensorTestTimeAugmentation.Undo(outputs, All, policy, firstWindow: 2);
        var spanBack = TestTimeAugmentation.Undo(outputs.data<float>().ToArray(), n, size, size, All, policy, firstWindow: 2);
        Assert.Equal(spanBack, back.data<float>().ToArray());
        using var first = batch.narrow(1, 0, 1);
        int copies = policy == TtaPolicy.Full ? All.Length : 1;
        using var repeated = first.repeat_interleave(copies, 0);
        Assert.Equal(repeated.contiguous().data<float>().ToArray(), back.data<float>().ToArray());
    }

    [Fact]
    public void Bad_batches_are_named()
    {
        TorchRuntime.EnsureLoaded();
        using var wide = zeros(2, 1, 4, 6);
        var e = Assert.Throws<ArgumentException>(() => TensorTestTimeAugmentation.Transform(wide, All, TtaPolicy.Full));
        Assert.Contains("quarter turns need square windows", e.Message);
        using var odd = zeros(5, 1, 4, 4);
        e = Assert.Throws<ArgumentException>(() => TensorTestTimeAugmentation.Undo(odd, All, TtaPolicy.Full));
        Assert.Contains("not a multiple of the 6 transforms", e.Message);
    }
}
