namespace Engine.Cli.Results;

/// <summary><c>engine detect fuse</c>'s output.</summary>
internal sealed record DetectFuseResult(string Method, int Images, int PredictionSets, int DetectionsIn, int DetectionsOut, int Warnings,
    double IouThreshold, string Output, double ReadSeconds, double FuseSeconds) : CommandResult
{
    public override void WriteText(TextWriter output)
    {
        output.WriteLine($"{Method}: {CommandLine.Count(Images)} images, {PredictionSets} prediction sets, "
            + $"{CommandLine.Count(DetectionsIn)} detections in, {CommandLine.Count(DetectionsOut)} out (iou {CommandLine.Exact(IouThreshold)}) in {FuseSeconds:F3} s");
        output.WriteLine($"wrote {Output}");
    }
}
