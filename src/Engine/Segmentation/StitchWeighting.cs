namespace Engine.Segmentation;

/// <summary>The weight of each pixel of a window (MONAI's <c>BlendMode</c>).</summary>
public enum StitchWeighting
{
    /// <summary>Every pixel weighs 1: the stitched map is the plain mean of the windows covering a pixel.</summary>
    Constant,

    /// <summary>MONAI's Gaussian importance map (<c>compute_importance_map</c>, σ = sigma_scale × window size).</summary>
    Gaussian,
}
