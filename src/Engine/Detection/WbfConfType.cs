namespace Engine.Detection;

/// <summary>How <see cref="WeightedBoxesFusion"/> scores a fused box: ensemble-boxes' <c>conf_type</c>.</summary>
public enum WbfConfType
{
    /// <summary>'avg': the mean weighted score, times min(models, boxes) ÷ Σweights (or boxes ÷ Σweights with overflow allowed).</summary>
    Avg,
    /// <summary>'max': the highest weighted score ÷ the highest weight.</summary>
    Max,
    /// <summary>'box_and_model_avg': box-wise weighted mean, rescaled by the weights of the distinct models present.</summary>
    BoxAndModelAvg,
    /// <summary>'absent_model_aware_avg': a weighted mean whose denominator also counts the weights of the models absent from the cluster.</summary>
    AbsentModelAwareAvg,
}
