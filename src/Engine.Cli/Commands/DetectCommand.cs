using System.CommandLine;

namespace Engine.Cli.Commands;

/// <summary><c>engine detect</c>: object-detection work on COCO files.</summary>
internal static class DetectCommand
{
    public static Command Create() => new("detect", "Object detection on COCO files: evaluate with pycocotools' answers, fuse models and TTA views, tune the fusion by mAP.")
    {
        DetectEvaluateCommand.Create(),
        DetectFuseCommand.Create(),
        DetectTuneCommand.Create(),
    };
}
