using System.CommandLine;

namespace Engine.Cli.Commands;

/// <summary><c>engine detect</c>: object-detection work on COCO files.</summary>
internal static class DetectCommand
{
    public static Command Create() => new("detect", "Object detection on COCO files: evaluate predictions with pycocotools' answers.")
    {
        DetectEvaluateCommand.Create(),
    };
}
