using Engine.IO;
using Engine.Segmentation;

namespace Engine.Tests.Segmentation;

public class TestTimeAugmentationTests
{
    public static TheoryData<string> TorchCases() => StitchCase.ListNames("tta");

    [Theory]
    [MemberData(nameof(TorchCases))]
    public void Transforms_equal_torch_flip_and_rot90(string name)
    {
        var c = StitchCase.ListEntry("tta", name);
        var transform = Enum.Parse<TtaTransform>(c.GetProperty("transform").GetString()!);
        var input = NpyFile.ReadFloat32(TestData.PathOf("stitching", $"{name}.input.npy"));
        var expected = NpyFile.ReadFloat32(TestData.PathOf("stitching", $"{name}.expected.npy")).Data;
        var output = new float[expected.Length];
        TestTimeAugmentation.Apply(input.Data, input.Shape[0] * input.Shape[1], input.Shape[2], input.Shape[3], transform, output);
        Assert.Equal(expected, output);
        // And its inverse brings the input back.
        var back = new float[output.Length];
        bool quarter = transform is TtaTransform.Rotate90 or TtaTransform.Rotate270;
        TestTimeAugmentation.Apply(output, input.Shape[0] * input.Shape[1], quarter ? input.Shape[3] : input.Shape[2],
            quarter ? input.Shape[2] : input.Shape[3], TestTimeAugmentation.Inverse(transform), back);
        Assert.Equal(input.Data, back);
    }

    private static readonly TtaTransform[] Four = [TtaTransform.Identity, TtaTransform.FlipHorizontal, TtaTransform.FlipVertical, TtaTransform.Rotate90];

    private static float[] Windows(int count, int channels, int size, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count * channels * size * size).Select(_ => (float)random.NextDouble()).ToArray();
    }

    /// <summary>A "model" that keeps each window's first channel: its output is in the input's orientation, so undoing the transform must give the untransformed channel back.</summary>
    private static float[] FirstChannel(float[] batch, int count, int channels, int size) =>
        Enumerable.Range(0, count).SelectMany(i => batch.AsSpan(i * channels * size * size, size * size).ToArray()).ToArray();

    [Fact]
    public void Full_policy_undoes_every_copy()
    {
        int n = 3, channels = 2, size = 4;
        var windows = Windows(n, channels, size, 1);
        var batch = TestTimeAugmentation.Transform(windows, n, channels, size, size, Four, TtaPolicy.Full);
        Assert.Equal(n * Four.Length * channels * size * size, batch.Length);
        var back = TestTimeAugmentation.Undo(FirstChannel(batch, n * Four.Length, channels, size), n, size, size, Four, TtaPolicy.Full);
        var expected = FirstChannel(windows, n, channels, size);
        for (int i = 0; i < n; i++)
        {
            for (int t = 0; t < Four.Length; t++)
                Assert.Equal(expected.AsSpan(i * 16, 16).ToArray(), back.AsSpan((i * Four.Length + t) * 16, 16).ToArray());
        }
        var origins = TestTimeAugmentation.RepeatOrigins([1, 2, 3, 4], 2);
        Assert.Equal([1, 2, 1, 2, 3, 4, 3, 4], origins);
    }

    [Fact]
    public void Distributed_policy_rotates_the_transform_with_the_window_index()
    {
        int n = 6, channels = 1, size = 4;
        var windows = Windows(n, channels, size, 2);
        var batch = TestTimeAugmentation.Transform(windows, n, channels, size, size, Four, TtaPolicy.Distributed, firstWindow: 5);
        for (int i = 0; i < n; i++)
        {
            var expected = new float[16];
            TestTimeAugmentation.Apply(windows.AsSpan(i * 16, 16), 1, size, size, Four[(5 + i) % 4], expected);
            Assert.Equal(expected, batch.AsSpan(i * 16, 16).ToArray());
        }
        Assert.Equal(windows, TestTimeAugmentation.Undo(batch, n, size, size, Four, TtaPolicy.Distributed, firstWindow: 5));
    }

    [Fact]
    public void Bad_input_is_named()
    {
        var e = Assert.Throws<ArgumentException>(() => TestTimeAugmentation.Transform(new float[24], 1, 1, 4, 6, Four, TtaPolicy.Full));
        Assert.Contains("Rotate90 of a 4 × 6 window changes its shape", e.Message);
        e = Assert.Throws<ArgumentException>(() => TestTimeAugmentation.Undo(new float[16], 2, 4, 4, Four, TtaPolicy.Full));
        Assert.Contains("outputs has 16 values but 2 windows × 4 transforms of 1 × 4 × 4 are 128", e.Message);
        e = Assert.Throws<ArgumentException>(() => TestTimeAugmentation.Transform(new float[16], 1, 1, 4, 4, [], TtaPolicy.Full));
        Assert.Contains("transforms is empty", e.Message);
    }
}
