using static TorchSharp.torch;

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

    public override Tensor forward(Tensor x) =>
        nn.functional.relu(body.forward(x) + (shortcut is null ? x : shortcut.forward(x)));
}
