namespace Engine.Segmentation;

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

    /// <summary>Throws unless a map, its tiles and <see cref="Factor"/> are positive: every stitcher's first check.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A size or the factor is below 1.</exception>
    internal void RequirePositiveSizes(int height, int width, int tileHeight, int tileWidth)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(tileHeight);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(tileWidth);
        if (Factor < 1)
            throw new ArgumentOutOfRangeException("options", Factor, $"Factor {Factor} must be a positive integer.");
    }
}
