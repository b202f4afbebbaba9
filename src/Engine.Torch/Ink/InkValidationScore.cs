namespace Engine.Torch.Ink;

/// <summary>How a model scores on the held-out strip: F-β at the best quantile threshold.</summary>
/// <param name="FBeta">F-β (F0.5 by default) of the thresholded map against inklabels.png within the strip's mask.</param>
/// <param name="Precision">Precision at that threshold.</param>
/// <param name="Recall">Recall at that threshold.</param>
/// <param name="Quantile">The best quantile q in [0, 1]: pixels above the q-quantile of the strip's probabilities are ink.</param>
/// <param name="Threshold">The probability that quantile is.</param>
public sealed record InkValidationScore(double FBeta, double Precision, double Recall, double Quantile, double Threshold);
