namespace Engine.Detection;

/// <summary>Fuses several models' COCO detections (<see cref="CocoFusionInput"/>) over every image on every core.</summary>
public static class CocoFusion
{
    /// <summary>Runs one fusion and returns COCO results.</summary>
    /// <param name="input">The prediction sets, already normalized.</param>
    /// <param name="settings">The method and its parameters.</param>
    /// <param name="warn">Called for each box ensemble-boxes would fix or drop with a warning (clipped to [0, 1], swapped corners, zero area).</param>
    /// <param name="compute">Where WBF clusters (<see cref="WeightedBoxesFusion.Fuse(DetectionBatch, WeightedBoxesFusionOptions, Action{DetectionWarning}?, IProgress{long}?, Compute.ComputeContext?, CancellationToken)"/>); null runs the CPU path. The other methods run on the CPU.</param>
    /// <exception cref="ArgumentException">Bad weights or parameters.</exception>
    public static CocoDetections Fuse(CocoFusionInput input, FusionSettings settings, Action<DetectionWarning>? warn = null, Compute.ComputeContext? compute = null)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(settings);
        var batch = input.Batch(settings.Weights);
        var result = settings.Method switch
        {
            FusionMethod.Wbf => WeightedBoxesFusion.Fuse(batch, new WeightedBoxesFusionOptions
            {
                IouThreshold = settings.IouThreshold,
                SkipBoxThreshold = settings.SkipBoxThreshold,
                ConfType = settings.ConfType,
                AllowsOverflow = settings.AllowsOverflow,
            }, warn, compute: compute),
            FusionMethod.Nmw => NonMaximumWeighted.Fuse(batch, settings.IouThreshold, settings.SkipBoxThreshold, warn),
            FusionMethod.Nms => Nms.Suppress(batch, settings.IouThreshold, warn),
            FusionMethod.SoftNmsLinear => SoftNms.Suppress(batch, SoftNmsMethod.Linear, settings.IouThreshold, settings.Sigma, settings.Thresh, warn),
            _ => SoftNms.Suppress(batch, SoftNmsMethod.Gaussian, settings.IouThreshold, settings.Sigma, settings.Thresh, warn),
        };
        return input.ToCoco(result);
    }
}
