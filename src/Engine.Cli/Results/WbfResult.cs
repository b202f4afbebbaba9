namespace Engine.Cli.Results;

/// <summary><c>engine wbf</c>'s output.</summary>
internal sealed record WbfResult(string Method, int Images, int BoxesIn, int BoxesOut, int Warnings, double IouThreshold, string Output,
    double ReadSeconds, double FuseSeconds) : CommandResult
{
    public override void WriteText(TextWriter output)
    {
        output.WriteLine($"{Method}: {CommandLine.Count(Images)} images, {CommandLine.Count(BoxesIn)} boxes in, {CommandLine.Count(BoxesOut)} out (iou {CommandLine.Exact(IouThreshold)}) in {FuseSeconds:F3} s");
        output.WriteLine($"wrote {Output}");
    }
}
