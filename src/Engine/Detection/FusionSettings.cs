namespace Engine.Detection;

/// <summary>One fusion's settings (ensemble-boxes' parameters).</summary>
/// <param name="Method">The operation.</param>
/// <param name="IouThreshold">IoU a match or suppression must exceed.</param>
/// <param name="SkipBoxThreshold">WBF, NMW: boxes scoring below this are dropped.</param>
/// <param name="ConfType">WBF: how fused scores are computed.</param>
/// <param name="Weights">One positive weight per prediction set, or null for ensemble-boxes' <c>weights=None</c>.</param>
/// <param name="Sigma">Gaussian soft-NMS: the Gaussian's width.</param>
/// <param name="Thresh">Soft-NMS: boxes whose decayed score falls to this or below are dropped.</param>
/// <param name="AllowsOverflow">WBF with avg: fused scores may exceed 1.</param>
public sealed record FusionSettings(FusionMethod Method = FusionMethod.Wbf, double IouThreshold = 0.55, double SkipBoxThreshold = 0.0,
    WbfConfType ConfType = WbfConfType.Avg, double[]? Weights = null, double Sigma = 0.5, double Thresh = 0.001, bool AllowsOverflow = false);
