namespace Engine.Torch.Ink;

/// <summary>What <see cref="InkInference"/> did and where it wrote it.</summary>
public sealed record InkInferenceResult
{
    /// <summary>The output files' names in <see cref="Directory"/>.</summary>
    internal const string ProbabilityNpyName = "prob.npy", ProbabilityTiffName = "prob.tif", ProbabilityPngName = "prob.png",
        InkPngName = "ink.png", OverlayPngName = "overlay.png";

    /// <summary>The plan that ran: the fragment, the input, the options and the budget's split.</summary>
    public required InkInferencePlan Plan { get; init; }

    /// <summary>The output folder.</summary>
    public required string Directory { get; init; }

    /// <summary>The full-resolution probability map as float32 .npy (written band by band).</summary>
    public string ProbabilityNpy => Path.Combine(Directory, ProbabilityNpyName);

    /// <summary>The same map as a float32 TIFF.</summary>
    public string ProbabilityTiff => Path.Combine(Directory, ProbabilityTiffName);

    /// <summary>The map as an 8-bit gray PNG.</summary>
    public string ProbabilityPng => Path.Combine(Directory, ProbabilityPngName);

    /// <summary>The thresholded ink mask as a 0/255 PNG.</summary>
    public string InkPng => Path.Combine(Directory, InkPngName);

    /// <summary>The ink in colour over the map in gray (<see cref="Engine.IO.InkOverlay"/>; with the fragment's inklabels.png, misses and false positives coloured too).</summary>
    public string OverlayPng => Path.Combine(Directory, OverlayPngName);

    /// <summary>Map width in pixels.</summary>
    public int Width => Plan.Width;

    /// <summary>Map height in pixels.</summary>
    public int Height => Plan.Height;

    /// <summary>Windows cut from the fragment.</summary>
    public int Tiles => Plan.Grid.Count;

    /// <summary>The input windows the models ran on: tiles × TTA copies × models (the tiles, for a predictor other than <see cref="TorchInkEnsemble"/>).</summary>
    public required long ModelWindows { get; init; }

    /// <summary>The stride used.</summary>
    public int Stride => Plan.Stride;

    /// <summary>Models averaged (1 for a predictor other than <see cref="TorchInkEnsemble"/>).</summary>
    public required int Models { get; init; }

    /// <summary>The device the models ran on, e.g. cpu or cuda.</summary>
    public required string Device { get; init; }

    /// <summary>Where the engine's stages ran: <see cref="Engine.Compute.ComputeBackend.Cpu"/> for the SIMD paths, or the kernels' backend.</summary>
    public Engine.Compute.ComputeBackend Backend => Plan.Options.Compute?.Backend ?? Engine.Compute.ComputeBackend.Cpu;

    /// <summary>The quantile the map was thresholded at.</summary>
    public double Quantile => Plan.Quantile;

    /// <summary>Where <see cref="Quantile"/> came from: the options, the checkpoints' training, or the default.</summary>
    public InkQuantileSource QuantileSource => Plan.QuantileSource;

    /// <summary>The threshold: the <see cref="Quantile"/>-quantile of the map within the mask.</summary>
    public required double Threshold { get; init; }

    /// <summary>Pixels marked ink.</summary>
    public required long InkPixels { get; init; }

    /// <summary>F0.5 and its counts against the fragment's inklabels.png within the mask; null when there is none.</summary>
    public Engine.Segmentation.BinaryScores? Score { get; init; }

    /// <summary>The budget the run was held to.</summary>
    public long MemoryBudget => Plan.Options.MemoryBudget;

    /// <summary>Bytes of the mask and tile grid, held for the whole run.</summary>
    public long FixedBytes => Plan.FixedBytes;

    /// <summary>The most bytes the tiler held at once (band + batches).</summary>
    public required long TilerPeakBytes { get; init; }

    /// <summary>The stitcher's budget; it holds at most this.</summary>
    public long StitcherBudget => Plan.StitcherBudget;

    /// <summary>Rows per band of the stitcher.</summary>
    public required int StitcherBandRows { get; init; }

    /// <summary>Bytes of the output stage's arrays (map, ink mask, PNG buffers) after the stitching.</summary>
    public long OutputBytes => Plan.OutputBytes;

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
