using TorchSharp.Modules;

namespace Engine.Torch.Identity;

/// <summary>
/// The embedding net: a ResNet-style CNN backbone (a stride-2 residual block per stage of
/// <see cref="IdentityModelConfig.Widths"/>, then <see cref="IdentityModelConfig.BlocksPerStage"/> stride-1 ones),
/// GeM pooling (generalized mean, (mean xᵖ)^(1/p), p learned), a BN neck (linear → BatchNorm1d) and L2
/// normalization. Input float32 (B, 3, S, S), normalized as <see cref="IdentityImage.Normalize"/>; output (B, E) unit rows.
/// </summary>
public sealed class IdentityNet : ConfiguredNet<IdentityModelConfig>
{
    private readonly nn.Module<Tensor, Tensor> backbone;
    private readonly Parameter gem_p;
    private readonly nn.Module<Tensor, Tensor> neck;

    /// <summary>Builds the net with fresh weights from libtorch's generator (seed it with <c>torch.manual_seed</c>).</summary>
    public IdentityNet(IdentityModelConfig config) : base(nameof(IdentityNet), config)
    {
        backbone = ResidualBlock2d.Backbone(3, config.Widths, config.BlocksPerStage);
        gem_p = new Parameter(tensor(new[] { (float)config.GemP }));
        neck = nn.Sequential(nn.Linear(config.Widths[^1], config.EmbeddingSize, hasBias: false), nn.BatchNorm1d(config.EmbeddingSize));
        RegisterComponents();
    }

    /// <summary>L2-normalized embeddings.</summary>
    /// <param name="input">float32 (B, 3, S, S).</param>
    /// <returns>float32 (B, E), rows of norm 1.</returns>
    public override Tensor forward(Tensor input)
    {
        if (input.dim() != 4 || input.shape[1] != 3)
            throw new ArgumentException($"IdentityNet takes (B, 3, S, S); the input is ({string.Join(", ", input.shape)}).", nameof(input));
        using var scope = NewDisposeScope();
        var features = backbone.forward(input);
        var p = gem_p.clamp(1, 16);
        // GeM: the clamp keeps xᵖ away from 0, whose gradient in p is log(0).
        var pooled = features.clamp(min: 1e-6).pow(p).mean([2, 3]).pow(p.reciprocal());
        var embedding = neck.forward(pooled);
        return nn.functional.normalize(embedding, p: 2, dim: 1).MoveToOuterDisposeScope();
    }
}
