using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Engine.Torch.Identity;

/// <summary>The embedding net's shape; saved in a model directory's config.json.</summary>
public sealed record IdentityModelConfig
{
    /// <summary>Output channels of each stride-2 stage of the CNN backbone (the default trains on 2 CPU cores).</summary>
    public int[] Widths { get; init; } = [24, 48, 96, 128];

    /// <summary>Extra stride-1 residual blocks per stage.</summary>
    public int BlocksPerStage { get; init; } = 1;

    /// <summary>Length of the L2-normalized embedding.</summary>
    public int EmbeddingSize { get; init; } = 128;

    /// <summary>GeM's initial exponent p (learned): 1 is average pooling, large p approaches max pooling.</summary>
    public double GemP { get; init; } = 3;

    /// <summary>Checks the ranges.</summary>
    /// <exception cref="ArgumentException">A field is out of range.</exception>
    public void Validate()
    {
        if (Widths is null || Widths.Length is < 1 or > 6 || Widths.Any(w => w is < 1 or > 2048))
            throw new ArgumentException($"model widths must be 1 to 6 stages of 1 … 2048 channels; got [{string.Join(", ", Widths ?? [])}].", nameof(Widths));
        if (BlocksPerStage is < 0 or > 8)
            throw new ArgumentException($"blocks per stage {BlocksPerStage} is outside 0 … 8.", nameof(BlocksPerStage));
        if (EmbeddingSize is < 2 or > 4096)
            throw new ArgumentException($"embedding size {EmbeddingSize} is outside 2 … 4096.", nameof(EmbeddingSize));
        if (!(GemP >= 1 && GemP <= 16))
            throw new ArgumentException($"GeM p {GemP} is outside 1 … 16.", nameof(GemP));
    }

    /// <inheritdoc />
    public bool Equals(IdentityModelConfig? other) => other is not null && Widths.SequenceEqual(other.Widths)
        && BlocksPerStage == other.BlocksPerStage && EmbeddingSize == other.EmbeddingSize && GemP == other.GemP;

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Widths.Length, BlocksPerStage, EmbeddingSize, GemP);
}

/// <summary>
/// The embedding net: a ResNet-style CNN backbone (a stride-2 residual block per stage of
/// <see cref="IdentityModelConfig.Widths"/>, then <see cref="IdentityModelConfig.BlocksPerStage"/> stride-1 ones),
/// GeM pooling (generalized mean, (mean xᵖ)^(1/p), p learned), a BN neck (linear → BatchNorm1d) and L2
/// normalization. Input float32 (B, 3, S, S), normalized as <see cref="IdentityImage.Normalize"/>; output (B, E) unit rows.
/// </summary>
public sealed class IdentityNet : nn.Module<Tensor, Tensor>
{
    private readonly nn.Module<Tensor, Tensor> backbone;
    private readonly Parameter gem_p;
    private readonly nn.Module<Tensor, Tensor> neck;

    /// <summary>Builds the net with fresh weights from libtorch's generator (seed it with <c>torch.manual_seed</c>).</summary>
    public IdentityNet(IdentityModelConfig config) : base(nameof(IdentityNet))
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        TorchRuntime.EnsureLoaded();
        Config = config;
        backbone = ResidualBlock2d.Backbone(3, config.Widths, config.BlocksPerStage);
        gem_p = new Parameter(tensor(new[] { (float)config.GemP }));
        neck = nn.Sequential(nn.Linear(config.Widths[^1], config.EmbeddingSize, hasBias: false), nn.BatchNorm1d(config.EmbeddingSize));
        RegisterComponents();
    }

    /// <summary>The shape the net was built with.</summary>
    public IdentityModelConfig Config { get; }

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

/// <summary>
/// Adaptive ArcFace margins (the Google Landmark 2020 winners' recipe, used by the Happywhale winners): rarer
/// individuals get larger margins. For a class seen n times,
/// <c>m(n) = m_min + (m_max − m_min) · (n^(−λ) − n_max^(−λ)) / (n_min^(−λ) − n_max^(−λ))</c>,
/// n_min and n_max the smallest and largest counts: the rarest class gets m_max, the commonest m_min. Defaults
/// m_min = 0.20, m_max = 0.50, λ = 0.25. When every class has the same count, all get m_max.
/// </summary>
public static class AdaptiveMargins
{
    /// <summary>Per-class margins in radians from per-class image counts.</summary>
    /// <exception cref="ArgumentException">A count is below 1, there are none, or the margins are not 0 ≤ min ≤ max &lt; π/2.</exception>
    public static float[] FromCounts(IReadOnlyList<int> counts, double min = 0.20, double max = 0.50, double lambda = 0.25)
    {
        if (counts.Count == 0)
            throw new ArgumentException("No classes.", nameof(counts));
        if (!(min >= 0 && min <= max && max < Math.PI / 2))
            throw new ArgumentException($"margins must satisfy 0 ≤ min ≤ max < π/2; got min {min}, max {max}.", nameof(min));
        if (!(lambda > 0))
            throw new ArgumentException($"λ {lambda} must be positive.", nameof(lambda));
        if (counts.Any(c => c < 1))
            throw new ArgumentException("Every class needs a count of at least 1.", nameof(counts));
        double low = Math.Pow(counts.Max(), -lambda), high = Math.Pow(counts.Min(), -lambda);
        return counts.Select(n => high == low ? (float)max : (float)(min + (max - min) * (Math.Pow(n, -lambda) - low) / (high - low))).ToArray();
    }
}

/// <summary>
/// The ArcFace head with per-class margins and optional sub-centres (Deng et al. 2019/2020): class weights W
/// (C·K rows for K sub-centres), cos θ_c = max over a class's sub-centres of ⟨x/‖x‖, w/‖w‖⟩; the target class's
/// logit becomes cos(θ_y + m_y) where θ_y + m_y ≤ π (cos θ_y &gt; cos(π − m_y)), else cos θ_y − m_y·sin(m_y) (the
/// reference implementation's fallback that keeps the logit monotonic); every logit is multiplied by the scale s.
/// </summary>
public sealed class ArcFaceHead : nn.Module<Tensor, Tensor, Tensor>
{
    private readonly Parameter weight;
    private readonly Tensor margins;
    private readonly int subCenters;

    /// <summary>Creates the head.</summary>
    /// <param name="embedding">Embedding length.</param>
    /// <param name="margins">One margin in radians per class (see <see cref="AdaptiveMargins"/>).</param>
    /// <param name="scale">s, the logits' scale (30 by default).</param>
    /// <param name="subCenters">K, sub-centres per class (1 is plain ArcFace).</param>
    public ArcFaceHead(int embedding, IReadOnlyList<float> margins, double scale = 30, int subCenters = 1) : base(nameof(ArcFaceHead))
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(subCenters, 1);
        if (margins.Count == 0)
            throw new ArgumentException("The head needs at least one class.", nameof(margins));
        Scale = scale;
        this.subCenters = subCenters;
        weight = new Parameter(empty(margins.Count * subCenters, embedding));
        using (no_grad())
            nn.init.xavier_uniform_(weight);
        this.margins = tensor(margins.ToArray());
        RegisterComponents();
    }

    /// <summary>s.</summary>
    public double Scale { get; }

    /// <summary>The class weights (C·K, E), for tests.</summary>
    public Parameter Weight => weight;

    /// <summary>The cosine of each embedding to each class (best sub-centre): (B, C).</summary>
    public Tensor Cosine(Tensor embeddings)
    {
        using var scope = NewDisposeScope();
        var cos = nn.functional.normalize(embeddings, dim: 1).matmul(nn.functional.normalize(weight, dim: 1).t());
        if (subCenters > 1)
            cos = cos.reshape(cos.shape[0], -1, subCenters).amax([2]);
        return cos.MoveToOuterDisposeScope();
    }

    /// <summary>The scaled logits with the target classes' margins applied: (B, C).</summary>
    /// <param name="embeddings">(B, E).</param>
    /// <param name="labels">int64 (B,), class indices.</param>
    public override Tensor forward(Tensor embeddings, Tensor labels)
    {
        using var scope = NewDisposeScope();
        var cos = Cosine(embeddings).clamp(-1 + 1e-7, 1 - 1e-7);
        var m = margins.to(cos.device).index_select(0, labels).unsqueeze(1);
        var target = cos.gather(1, labels.unsqueeze(1));
        var sin = (1 - target * target).clamp(min: 0).sqrt();
        var phi = target * m.cos() - sin * m.sin();
        phi = where(target > (Math.PI - m).cos(), phi, target - m * m.sin());
        var logits = cos.scatter(1, labels.unsqueeze(1), phi) * Scale;
        return logits.MoveToOuterDisposeScope();
    }
}
