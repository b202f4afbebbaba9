namespace Engine.Torch.Ink;

/// <summary>Where <see cref="InkInferencePlan.Quantile"/> came from.</summary>
public enum InkQuantileSource
{
    /// <summary><see cref="InkInferenceOptions.Quantile"/> (the CLI's --percentile).</summary>
    Options,

    /// <summary>The checkpoints' validation during training chose it (averaged over an ensemble).</summary>
    Training,

    /// <summary>Neither: <see cref="InkInferenceOptions.DefaultQuantile"/>.</summary>
    Default,
}
