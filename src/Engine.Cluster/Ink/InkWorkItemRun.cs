using Engine.Torch.Ink;

namespace Engine.Cluster.Ink;

/// <summary>One work item's inference on this silo: <see cref="InkInference"/> over the item's fragment, region or merge, as <c>engine ink infer</c> runs it.</summary>
internal static class InkWorkItemRun
{
    /// <summary>Runs the item; its outputs are written atomically, so a re-run (or two at once) leaves one complete set.</summary>
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
        var plan = InkInferencePlan.Create(item.Fragment, request.Models, options);
        switch (item.Kind)
        {
            case InkWorkKind.Region:
                var split = plan.Split(item.Regions);
                var region = InkInference.RunRegion(plan, split, split.Regions[item.Region], item.RegionPath(item.Region));
                return new InkWorkItemResult(silo, plan.Width, plan.Height, region.Windows, null, null, region.Seconds);
            case InkWorkKind.Merge:
                var merged = InkInference.MergeRegions(plan, plan.Split(item.Regions), Enumerable.Range(0, item.Regions).Select(item.RegionPath).ToArray(), item.OutputDirectory);
                // The outputs are committed: the regions' rows are not needed again (a re-run of the job infers them again).
                Directory.Delete(item.RegionsDirectory, recursive: true);
                return Result(silo, merged);
            default:
                return Result(silo, InkInference.Run(plan, item.OutputDirectory));
        }
    }

    private static InkWorkItemResult Result(string silo, InkInferenceResult result) =>
        new(silo, result.Width, result.Height, result.Tiles, result.Threshold, result.InkPixels, result.Seconds.Total);
}
