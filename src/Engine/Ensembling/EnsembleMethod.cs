namespace Engine.Ensembling;

/// <summary>How <see cref="ClassEnsemble.Combine"/> blends the models' per-class scores.</summary>
public enum EnsembleMethod
{
    /// <summary>Σ wₘ·pₘ / Σ wₘ per sample and class.</summary>
    Mean,

    /// <summary>exp(Σ wₘ·ln pₘ / Σ wₘ), each row then rescaled to sum to 1 (a zero row stays zero).</summary>
    Geometric,

    /// <summary>Per model and class, each sample's rank among all samples (1 to N, ties averaged, as scipy's <c>rankdata</c>) ÷ N, then the weighted mean: a score for ranking metrics (AUC), not a probability.</summary>
    Rank,
}
