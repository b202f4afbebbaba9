namespace Engine.Segmentation;

/// <summary>How a low-resolution prediction is brought to full resolution (PyTorch's <c>F.interpolate</c> modes).</summary>
public enum StitchUpsampling
{
    /// <summary><c>mode='bilinear'</c>, with <see cref="StitchOptions.AlignCorners"/>.</summary>
    Bilinear,

    /// <summary><c>mode='nearest'</c> (PyTorch's legacy nearest: source index ⌊dst · (1/f)⌋ in float32).</summary>
    Nearest,
}

/// <summary>Where upsampling happens relative to accumulation.</summary>
public enum StitchUpsampleMode
{
    /// <summary>Upsample every window, then accumulate at full resolution: what the winning ink-detection solutions did (the parity mode).</summary>
    PerTile,

    /// <summary>Accumulate at low resolution, then upsample the finished map once: far less work, a slightly different answer (see docs/architecture.md).</summary>
    Fast,
}

/// <summary>The weight of each pixel of a window (MONAI's <c>BlendMode</c>).</summary>
public enum StitchWeighting
{
    /// <summary>Every pixel weighs 1: the stitched map is the plain mean of the windows covering a pixel.</summary>
    Constant,

    /// <summary>MONAI's Gaussian importance map (<c>compute_importance_map</c>, σ = sigma_scale × window size).</summary>
    Gaussian,
}

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

/// <summary>Options of <see cref="SlidingWindowStitcher"/>; the defaults are the plain mean of full-size windows.</summary>
public sealed record StitchOptions
{
    /// <summary>Integer upsampling factor of the predictions (1 = they are already full size; 32 for 8 × 8 logits of 256 × 256 windows).</summary>
    public int Factor { get; init; } = 1;

    /// <summary>Bilinear or nearest upsampling.</summary>
    public StitchUpsampling Upsampling { get; init; } = StitchUpsampling.Bilinear;

    /// <summary>PyTorch's <c>align_corners</c> for bilinear upsampling. True is what the 2nd place used; PyTorch's default is false.</summary>
    public bool AlignCorners { get; init; } = true;

    /// <summary>Per-window upsampling (exact parity with the Python loop) or the fast mode.</summary>
    public StitchUpsampleMode UpsampleMode { get; init; } = StitchUpsampleMode.PerTile;

    /// <summary>Constant or Gaussian window weights.</summary>
    public StitchWeighting Weighting { get; init; } = StitchWeighting.Constant;

    /// <summary>MONAI's <c>sigma_scale</c>: σ of the Gaussian as a fraction of the window size.</summary>
    public double SigmaScale { get; init; } = 0.125;

    /// <summary>
    /// Explicit window weights, row-major, e.g. an importance map from MONAI; overrides <see cref="Weighting"/>. Sized as the
    /// window is accumulated: full resolution (h·f × w·f) in the per-tile mode, h × w in the fast mode (whose Gaussian
    /// is likewise computed over the low-resolution window).
    /// </summary>
    public float[]? Weights { get; init; }

    /// <summary>When set, only the centre <c>Inner × Inner</c> block of each full-resolution window counts (e.g. 192 or 224 of 256).</summary>
    public int? Inner { get; init; }

    /// <summary>With <see cref="Inner"/>: a window touching the map's edge keeps its full extent on that side, so no border band stays uncovered.</summary>
    public bool KeepEdges { get; init; }

    /// <summary>Sigmoid placement for logits.</summary>
    public StitchActivation Activation { get; init; } = StitchActivation.None;

    /// <summary>The value of pixels inside the mask that no window covered: 0 (default) or NaN.</summary>
    public float Uncovered { get; init; }
}
