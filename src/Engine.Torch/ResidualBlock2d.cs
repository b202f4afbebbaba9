namespace Engine.Torch;

/// <summary>The 2D residual block of the ink and identity backbones: conv3×3(stride)–BN–ReLU–conv3×3–BN plus a shortcut (1 × 1 conv + BN when the shape changes), then ReLU.</summary>
internal sealed class ResidualBlock2d : nn.Module<Tensor, Tensor>
{
    private readonly nn.Module<Tensor, Tensor> body;
    private readonly nn.Module<Tensor, Tensor>? shortcut;

    public ResidualBlock2d(int input, int output, int stride) : base(nameof(ResidualBlock2d))
    {
        body = nn.Sequential(
            nn.Conv2d(input, output, 3, stride: stride, padding: 1, bias: false),
            nn.BatchNorm2d(output),
            nn.ReLU(inplace: true),
            nn.Conv2d(output, output, 3, padding: 1, bias: false),
            nn.BatchNorm2d(output));
        if (stride != 1 || input != output)
            shortcut = nn.Sequential(nn.Conv2d(input, output, 1, stride: stride, bias: false), nn.BatchNorm2d(output));
        RegisterComponents();
    }

    /// <summary>
    /// The backbone both nets share: per width a stride-2 block, then <paramref name="blocksPerStage"/> stride-1 ones;
    /// its output has the last width's channels.
    /// </summary>
    public static nn.Module<Tensor, Tensor> Backbone(int input, IReadOnlyList<int> widths, int blocksPerStage)
    {
        var stages = new List<nn.Module<Tensor, Tensor>>();
        int channels = input;
        foreach (int width in widths)
        {
            stages.Add(new ResidualBlock2d(channels, width, stride: 2));
            for (int i = 0; i < blocksPerStage; i++)
                stages.Add(new ResidualBlock2d(width, width, stride: 1));
            channels = width;
        }
        return nn.Sequential(stages);
    }

    public override Tensor forward(Tensor x) =>
        nn.functional.relu(body.forward(x) + (shortcut is null ? x : shortcut.forward(x)));
}
