using TorchSharp.Modules;

namespace Engine.Torch.Ink;

/// <summary>
/// The 2.5D ink-detection net of the competition's 2nd place: the input's slices are split into
/// <see cref="InkModelConfig.Groups"/> groups of consecutive slices; one compact ResNet-style 2D backbone (shared
/// weights, the groups folded into the batch) takes every group to 1/32 resolution in five stride-2 stages; a
/// 1 × 1 convolution neck; 3D residual blocks mix the groups (depth); average + max pooling over depth; a 1 × 1
/// convolution gives one logit map.
/// </summary>
/// <remarks>
/// Input: float32 (B, <see cref="InkModelConfig.InputChannels"/>, H, W) with H and W multiples of 32.
/// Output: float32 (B, 1, H / 32, W / 32) logits. No pretrained weights: it trains from scratch.
/// </remarks>
public sealed class InkModel : ConfiguredNet<InkModelConfig>
{
    private readonly nn.Module<Tensor, Tensor> backbone;
    private readonly nn.Module<Tensor, Tensor> neck;
    private readonly nn.Module<Tensor, Tensor> depth;
    private readonly nn.Module<Tensor, Tensor> head;

    /// <summary>Builds the net with freshly initialised weights (from libtorch's generator: seed it with <c>torch.manual_seed</c>).</summary>
    /// <param name="config">Widths and depths.</param>
    /// <exception cref="ArgumentException">A field of <paramref name="config"/> is out of range.</exception>
    public InkModel(InkModelConfig config) : base(nameof(InkModel), config)
    {
        backbone = ResidualBlock2d.Backbone(config.ChannelsPerGroup, config.Widths, config.BlocksPerStage);
        neck = nn.Sequential(
            nn.Conv2d(config.Widths[^1], config.NeckChannels, 1, bias: false),
            nn.BatchNorm2d(config.NeckChannels),
            nn.ReLU(inplace: true));
        depth = nn.Sequential(Enumerable.Range(0, config.Blocks3d)
            .Select(_ => (nn.Module<Tensor, Tensor>)new ResidualBlock3d(config.NeckChannels)));
        head = nn.Conv2d(config.NeckChannels, 1, 1);
        RegisterComponents();
    }

    /// <summary>Logits at 1/32 resolution.</summary>
    /// <param name="input">float32 (B, InputChannels, H, W), H and W multiples of 32.</param>
    /// <returns>float32 (B, 1, H / 32, W / 32).</returns>
    /// <exception cref="ArgumentException">The input's shape does not fit.</exception>
    public override Tensor forward(Tensor input)
    {
        long[] shape = input.shape;
        if (shape.Length != 4 || shape[1] != Config.InputChannels || shape[2] % InkModelConfig.OutputStride != 0
            || shape[3] % InkModelConfig.OutputStride != 0 || shape[2] == 0 || shape[3] == 0)
            throw new ArgumentException($"InkModel takes (B, {Config.InputChannels}, H, W) with H and W positive multiples of {InkModelConfig.OutputStride}; the input is ({string.Join(", ", shape)}).", nameof(input));
        long batch = shape[0], groups = Config.Groups;
        using var scope = NewDisposeScope();
        // Groups folded into the batch: the same 2D backbone sees every group.
        var features = neck.forward(backbone.forward(input.reshape(batch * groups, Config.ChannelsPerGroup, shape[2], shape[3])));
        long channels = features.shape[1], h = features.shape[2], w = features.shape[3];
        // (B·G, N, h, w) → (B, N, G, h, w): the groups become the 3D convolutions' depth.
        var volume = depth.forward(features.reshape(batch, groups, channels, h, w).permute(0, 2, 1, 3, 4));
        var pooled = volume.mean([2]) + volume.amax([2]);
        return head.forward(pooled).MoveToOuterDisposeScope();
    }

    /// <summary>conv3×3×3–BN–ReLU–conv3×3×3–BN plus the input, then ReLU: mixes neighbouring groups.</summary>
    private sealed class ResidualBlock3d : nn.Module<Tensor, Tensor>
    {
        private readonly nn.Module<Tensor, Tensor> body;

        public ResidualBlock3d(int channels) : base(nameof(ResidualBlock3d))
        {
            body = nn.Sequential(
                nn.Conv3d(channels, channels, 3, padding: 1, bias: false),
                nn.BatchNorm3d(channels),
                nn.ReLU(inplace: true),
                nn.Conv3d(channels, channels, 3, padding: 1, bias: false),
                nn.BatchNorm3d(channels));
            RegisterComponents();
        }

        public override Tensor forward(Tensor x) => nn.functional.relu(body.forward(x) + x);
    }
}
