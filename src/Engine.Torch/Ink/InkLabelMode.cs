namespace Engine.Torch.Ink;

/// <summary>How ink labels are brought down to the model's 1/32 output grid.</summary>
public enum InkLabelMode
{
    /// <summary>
    /// <c>F.interpolate(labels, size, mode='bilinear', align_corners=True)</c>, the 2nd-place solution's call: each
    /// output cell point-samples (interpolates) the 2 × 2 label pixels nearest its aligned-corner position.
    /// </summary>
    Bilinear,

    /// <summary><c>F.interpolate(labels, size, mode='area')</c>: each output cell is the mean of its 32 × 32 label pixels.</summary>
    Area,
}
