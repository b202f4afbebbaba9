namespace Engine.Torch.Ink;

/// <summary>What <see cref="InkInference"/> did and where it wrote it.</summary>
public sealed record InkInferenceResult
{
    /// <summary>The output folder.</summary>
    public required string Directory { get; init; }

    /// <summary>The full-resolution probability map as float32 .npy (written band by band).</summary>
    public required string ProbabilityNpy { get; init; }

    /// <summary>The same map as a float32 TIFF.</summary>
    public required string ProbabilityTiff { get; init; }

    /// <summary>The map as an 8-bit gray PNG.</summary>
    public required string ProbabilityPng { get; init; }

    /// <summary>The thresholded ink mask as a 0/255 PNG.</summary>
    public required string InkPng { get; init; }

    /// <summary>The ink in colour over the map in gray (<see cref="Engine.IO.InkOverlay"/>; with the fragment's inklabels.png, misses and false positives coloured too).</summary>
    public required string OverlayPng { get; init; }

    /// <summary>Map width in pixels.</summary>
    public required int Width { get; init; }

    /// <summary>Map height in pixels.</summary>
    public required int Height { get; init; }

    /// <summary>Windows cut from the fragment.</summary>
    public required int Tiles { get; init; }

    /// <summary>The input windows the models ran on: tiles × TTA copies × models (the tiles, for a predictor other than <see cref="TorchInkEnsemble"/>).</summary>
    public required long ModelWindows { get; init; }

    /// <summary>The stride used.</summary>
    public required int Stride { get; init; }

    /// <summary>Models averaged (1 for a predictor other than <see cref="TorchInkEnsemble"/>).</summary>
    public required int Models { get; init; }

    /// <summary>The device the models ran on, e.g. cpu or cuda.</summary>
    public required string Device { get; init; }

    /// <summary>Where the engine's stages ran: <see cref="Engine.Compute.ComputeBackend.Cpu"/> for the SIMD paths, or the kernels' backend.</summary>
    public required Engine.Compute.ComputeBackend Backend { get; init; }

    /// <summary>The quantile the map was thresholded at.</summary>
    public required double Quantile { get; init; }

    /// <summary>Where <see cref="Quantile"/> came from: the options, the checkpoints' training, or the default.</summary>
    public required InkQuantileSource QuantileSource { get; init; }

    /// <summary>The threshold: the <see cref="Quantile"/>-quantile of the map within the mask.</summary>
    public required double Threshold { get; init; }

    /// <summary>Pixels marked ink.</summary>
    public required long InkPixels { get; init; }

    /// <summary>F0.5 and its counts against the fragment's inklabels.png within the mask; null when there is none.</summary>
    public Engine.Segmentation.BinaryScores? Score { get; init; }

    /// <summary>The budget the run was held to.</summary>
    public required long MemoryBudget { get; init; }

    /// <summary>Bytes of the mask and tile grid, held for the whole run.</summary>
    public required long FixedBytes { get; init; }

    /// <summary>The most bytes the tiler held at once (band + batches).</summary>
    public required long TilerPeakBytes { get; init; }

    /// <summary>The stitcher's budget; it holds at most this.</summary>
    public required long StitcherBudget { get; init; }

    /// <summary>Rows per band of the stitcher.</summary>
    public required int StitcherBandRows { get; init; }

    /// <summary>Bytes of the output stage's arrays (map, ink mask, PNG buffers) after the stitching.</summary>
    public required long OutputBytes { get; init; }

    /// <summary>Seconds per stage.</summary>
    public required InkStageSeconds Seconds { get; init; }

    /// <summary>The models' throughput: windows through the forward pass per second of forward time.</summary>
    public double ModelWindowsPerSecond => Seconds.Model > 0 ? ModelWindows / Seconds.Model : 0;
}

/// <summary>What <see cref="InkInference.RunRegion(InkInferencePlan, IInkPredictor, Engine.Segmentation.StitchRegions, Engine.Segmentation.StitchRegion, string, IProgress{long}?, CancellationToken)"/> wrote.</summary>
/// <param name="Region">The region's index in its split.</param>
/// <param name="Top">First map row it owns.</param>
/// <param name="Bottom">Row after the last it owns.</param>
/// <param name="Path">The file of its rows.</param>
/// <param name="Windows">Windows predicted: those reaching its rows and the rest of their batches.</param>
/// <param name="Seconds">Seconds from planning and loading the models to the file written.</param>
public sealed record InkRegionResult(int Region, int Top, int Bottom, string Path, int Windows, double Seconds);
