namespace Engine.Torch.Ink;

/// <summary>How <see cref="InkInference"/> runs over a fragment; the defaults suit a CPU.</summary>
public sealed record InkInferenceOptions
{
    /// <summary>The threshold when neither the options nor the checkpoints choose one: the 0.93-quantile of the probability map within the mask.</summary>
    public const double DefaultQuantile = 0.93;

    /// <summary>
    /// Step between window origins in pixels; null for half the model's tile. Half a tile makes every pixel one of
    /// four windows' (2 × 2), which averages away each window's weak borders at 4 × the work of non-overlapping
    /// windows; the 2nd-place solution's stride of 32 on a 256 tile is 64 × that work — a GPU's budget, not a CPU's.
    /// Strides that are multiples of 32 keep the windows' 1/32 logit grids aligned with each other.
    /// </summary>
    public int? Stride { get; init; }

    /// <summary>Windows per model call.</summary>
    public int BatchSize { get; init; } = 8;

    /// <summary>Test-time augmentation.</summary>
    public InkTta Tta { get; init; } = InkTta.None;

    /// <summary>Only the centre Inner × Inner block of each full-resolution window counts (windows at the map's edge keep their outer side); null for whole windows.</summary>
    public int? Inner { get; init; }

    /// <summary>
    /// The quantile q in [0, 1] of the masked probability map above which a pixel is ink; null for the one chosen
    /// in training (the checkpoints' validation metrics, averaged over an ensemble), or <see cref="DefaultQuantile"/>
    /// when they have none.
    /// </summary>
    public double? Quantile { get; init; }

    /// <summary>
    /// Bytes the run may hold for everything that grows with the fragment: the mask and tile grid, the tiler's band
    /// and batches, the stitcher's bands, and at the end the whole map with its ink mask and PNG buffers.
    /// </summary>
    public long MemoryBudget { get; init; } = VolumeTilerOptions.DefaultMemoryBudget;

    /// <summary>Where the models run; null picks CUDA when TorchSharp sees a CUDA device, else the CPU.</summary>
    public TorchSharp.torch.Device? Device { get; init; }

    /// <summary>
    /// Where the engine's stages run: null or a CPU context runs the SIMD paths; a kernel backend normalizes each
    /// batch, stitches into device-resident bands and takes the quantile and threshold with the ILGPU kernels.
    /// </summary>
    public Engine.Compute.ComputeContext? Compute { get; init; }
}
