namespace Engine.Ensembling;

/// <summary>The activation that turns logits into probabilities.</summary>
public enum Activation
{
    /// <summary>Per row, exp(x − max) / Σ exp(x − max).</summary>
    Softmax,

    /// <summary>Per value, 1 / (1 + exp(−x)) (multi-label or binary outputs).</summary>
    Sigmoid,
}
