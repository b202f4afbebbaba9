using Engine.Torch.Ink;

namespace Engine.Cluster.Ink;

/// <summary>One work item's inference on this silo: <see cref="InkInference"/> over the fragment, as <c>engine ink infer</c> runs it.</summary>
internal static class InkWorkItemRun
{
    /// <summary>Runs the job's models over the item's fragment; the outputs are written together, atomically, so a re-run (or two at once) leaves one complete set.</summary>
    /// <exception cref="ArgumentException">An option is out of range or the TTA is not an <see cref="InkTta"/> (see <see cref="InkInference"/> for the rest).</exception>
    public static InkWorkItemResult Run(InkJobRequest request, InkWorkItem item, string silo)
    {
        var o = request.Options;
        var options = new InkInferenceOptions
        {
            Stride = o.Stride,
            BatchSize = o.BatchSize,
            // The client sends the CLI's spelling of a defined value (InkTta's name in lower case).
            Tta = Enum.Parse<InkTta>(o.Tta, ignoreCase: true),
            Inner = o.Inner,
            Quantile = o.Quantile,
            MemoryBudget = o.MemoryBudget,
        };
        var result = InkInference.Run(item.Fragment, request.Models, item.OutputDirectory, options);
        return new InkWorkItemResult
        {
            Silo = silo,
            Width = result.Width,
            Height = result.Height,
            Tiles = result.Tiles,
            Threshold = result.Threshold,
            InkPixels = result.InkPixels,
            InferenceSeconds = result.Seconds.Total,
        };
    }
}
