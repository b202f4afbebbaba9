using TorchSharp;
using static TorchSharp.torch;

namespace Engine.Torch.Tests.Ink;

/// <summary>A random model with an ink model's shapes: (B, C, T, T) → (B, 1, T / 32, T / 32) logits, cheap enough for tests.</summary>
internal sealed class TinyInkNet : nn.Module<Tensor, Tensor>
{
    private readonly TorchSharp.Modules.Conv2d _down;
    private readonly TorchSharp.Modules.Conv2d _head;

    public TinyInkNet(int channels, long seed) : base(nameof(TinyInkNet))
    {
        random.manual_seed(seed);
        _down = nn.Conv2d(channels, 4, kernel_size: 32, stride: 32);
        _head = nn.Conv2d(4, 1, kernel_size: 3, padding: 1);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var hidden = _down.forward(x);
        using var active = nn.functional.relu(hidden);
        return _head.forward(active);
    }
}
