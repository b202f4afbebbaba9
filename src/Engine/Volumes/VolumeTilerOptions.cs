namespace Engine.Volumes;

/// <summary>What <see cref="VolumeTiler"/> cuts and how.</summary>
public sealed record VolumeTilerOptions
{
    /// <summary>The default memory budget: 2 GiB, a third of a 65 × 10,000 × 8,000 uint16 fragment's middle 35 slices.</summary>
    public const long DefaultMemoryBudget = 2L << 30;

    /// <summary>Tiles per batch (B).</summary>
    public int BatchSize { get; init; } = 16;

    /// <summary>How sample values are scaled.</summary>
    public TileScale Scale { get; init; } = TileScale.Raw;

    /// <summary>Whether each tile is normalized by its own mean and std (<see cref="PatchNormalization"/>).</summary>
    public bool Normalize { get; init; }

    /// <summary>
    /// Bytes the tiler may hold at once: the band of rows read from every slice, the batch buffers it hands out
    /// (<see cref="PooledBatches"/> of them) and the per-core scratch of the conversion.
    /// </summary>
    public long MemoryBudget { get; init; } = DefaultMemoryBudget;

    /// <summary>Batches the budget reserves room for: one being filled, one being consumed, one prefetched.</summary>
    public int PooledBatches { get; init; } = 3;

    /// <summary>
    /// Where tiles are normalized: null or a CPU context runs the SIMD path as tiles are cut; a kernel backend
    /// (CUDA, or ILGPU's CPU emulator in tests) normalizes each whole batch with <c>PatchNormalizationKernel</c>
    /// (uint16 tiles are staged as uint16, a batch-sized buffer more in the budget, and converted on the device).
    /// </summary>
    public Compute.ComputeContext? Compute { get; init; }

    /// <summary>Read the bands from this cache of the volume instead of its TIFFs (<see cref="TileCache"/>); null reads the TIFFs.</summary>
    public TileCache? Cache { get; init; }

    /// <summary>
    /// Read the next band on another thread while tiles are cut from this one, so that whoever consumes the
    /// batches never waits for a whole band's read. Two bands are then held, each of half the budget's band share
    /// (more rows shared by two bands are read twice), so it pays when the consumer is slower than the cutting.
    /// </summary>
    public bool ReadAhead { get; init; }
}
