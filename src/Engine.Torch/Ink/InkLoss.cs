namespace Engine.Torch.Ink;

/// <summary>
/// The trainer's loss: BCE on label-smoothed targets plus a global soft F-β loss, 1 − F-β computed from the
/// whole batch's soft counts (Σp·y, Σp·(1−y), Σ(1−p)·y), which pushes towards the competition's metric where a
/// per-pixel loss cannot.
/// </summary>
public static class InkLoss
{
    /// <summary>Keeps the soft F-β defined on a batch without ink and without predictions.</summary>
    private const double Epsilon = 1e-6;

    /// <summary>The loss of a batch.</summary>
    /// <param name="logits">(B, 1, h, w) model outputs.</param>
    /// <param name="targets">(B, 1, h, w) targets in [0, 1] (labels at the output resolution).</param>
    /// <param name="labelSmoothing">s: the BCE's targets become y·(1 − s) + s/2.</param>
    /// <param name="fBetaWeight">Weight of 1 − soft F-β.</param>
    /// <param name="beta">β.</param>
    /// <returns>A scalar tensor.</returns>
    public static Tensor Compute(Tensor logits, Tensor targets, double labelSmoothing, double fBetaWeight, double beta)
    {
        using var scope = NewDisposeScope();
        var smoothed = targets * (1 - labelSmoothing) + labelSmoothing / 2;
        var bce = nn.functional.binary_cross_entropy_with_logits(logits, smoothed);
        var loss = bce;
        if (fBetaWeight > 0)
            loss = bce + fBetaWeight * (1 - SoftFBeta(logits.sigmoid(), targets, beta));
        return loss.MoveToOuterDisposeScope();
    }

    /// <summary>(1 + β²)·TP / ((1 + β²)·TP + β²·FN + FP) over the whole batch, with soft counts.</summary>
    /// <param name="probabilities">Predictions in [0, 1].</param>
    /// <param name="targets">Targets in [0, 1], same shape.</param>
    /// <param name="beta">β.</param>
    /// <returns>A scalar tensor.</returns>
    public static Tensor SoftFBeta(Tensor probabilities, Tensor targets, double beta)
    {
        using var scope = NewDisposeScope();
        double b2 = beta * beta;
        var truePositives = (probabilities * targets).sum();
        var falsePositives = (probabilities * (1 - targets)).sum();
        var falseNegatives = ((1 - probabilities) * targets).sum();
        var score = (1 + b2) * truePositives / ((1 + b2) * truePositives + b2 * falseNegatives + falsePositives + Epsilon);
        return score.MoveToOuterDisposeScope();
    }
}
