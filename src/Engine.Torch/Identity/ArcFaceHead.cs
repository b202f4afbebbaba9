using TorchSharp.Modules;

namespace Engine.Torch.Identity;

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
