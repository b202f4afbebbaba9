using Engine.Torch.Ink;
using static TorchSharp.torch;

namespace Engine.Torch.Tests.Ink;

public sealed class InkModelTests
{
    internal static readonly InkModelConfig Tiny = new()
    {
        Groups = 2,
        ChannelsPerGroup = 3,
        Widths = [4, 6, 8, 8, 8],
        NeckChannels = 6,
        Blocks3d = 1,
    };

    [Fact]
    public void The_logits_are_at_one_thirty_second_of_the_input()
    {
        TorchRuntime.EnsureLoaded();
        manual_seed(1);
        using var model = new InkModel(Tiny);
        model.eval();
        using var input = randn(2, Tiny.InputChannels, 64, 96);
        using var output = model.forward(input);

        Assert.Equal([2L, 1, 2, 3], output.shape);
        Assert.Equal(ScalarType.Float32, output.dtype);
        Assert.True(output.isfinite().all().item<bool>());
    }

    [Fact]
    public void Every_group_and_every_stage_reaches_the_output()
    {
        // A perturbation of the last group's slices only must move the logits: the depth path is wired through.
        TorchRuntime.EnsureLoaded();
        manual_seed(2);
        using var model = new InkModel(Tiny with { BlocksPerStage = 1, Blocks3d = 2 });
        model.eval();
        using var input = randn(1, Tiny.InputChannels, 32, 32);
        using var changed = input.clone();
        changed[.., (Tiny.InputChannels - 1)..] += 1.0;
        using var a = model.forward(input);
        using var b = model.forward(changed);

        Assert.False(a.equal(b).all().item<bool>());
    }

    [Theory]
    [InlineData(1, 6, 64, 64, "(1, 6, 64, 64)")]
    [InlineData(2, 7, 64, 64, "(2, 7, 64, 64)")]
    [InlineData(2, 6, 48, 64, "(2, 6, 48, 64)")]
    [InlineData(2, 6, 64, 70, "(2, 6, 64, 70)")]
    public void An_input_of_the_wrong_shape_is_rejected_naming_it(int batch, int channels, int height, int width, string shape)
    {
        TorchRuntime.EnsureLoaded();
        using var model = new InkModel(Tiny);
        using var input = zeros(batch, channels, height, width);
        if (channels == Tiny.InputChannels && height % 32 == 0 && width % 32 == 0)
        {
            using var output = model.forward(input);
            Assert.Equal([batch, 1L, height / 32, width / 32], output.shape);
            return;
        }
        var e = Assert.Throws<ArgumentException>(() => model.forward(input));
        Assert.Contains(shape, e.Message);
    }

    [Fact]
    public void A_config_out_of_range_is_rejected_naming_the_field()
    {
        Assert.Contains("groups", Assert.Throws<ArgumentException>(() => new InkModel(Tiny with { Groups = 0 })).Message);
        Assert.Contains("widths", Assert.Throws<ArgumentException>(() => new InkModel(Tiny with { Widths = [4, 4, 4, 4] })).Message);
        Assert.Contains("neckChannels", Assert.Throws<ArgumentException>(() => new InkModel(Tiny with { NeckChannels = 0 })).Message);
    }
}
