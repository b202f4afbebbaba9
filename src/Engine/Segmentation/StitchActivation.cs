namespace Engine.Segmentation;

/// <summary>Where the sigmoid goes, for predictions that are logits.</summary>
public enum StitchActivation
{
    /// <summary>The predictions are used as given (already probabilities, or logits you want averaged as such).</summary>
    None,

    /// <summary>Sigmoid on each low-resolution prediction before upsampling (the 2nd-place ink-detection solution).</summary>
    SigmoidBeforeUpsample,

    /// <summary>Sigmoid on the stitched map after averaging the logits (the 1st-place solution).</summary>
    SigmoidAfterStitch,
}
