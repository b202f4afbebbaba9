using System.CommandLine;
using Engine.Cli.Commands;

namespace Engine.Cli;

/// <summary>The <c>engine</c> command.</summary>
internal static class Program
{
    private static int Main(string[] args) => Run(args, Console.Out, Console.Error);

    /// <summary>Parses and runs one command line; tests call this with their own writers.</summary>
    internal static int Run(string[] args, TextWriter output, TextWriter error)
    {
        var root = new RootCommand("Engine: fast, exact hot paths for ML work in .NET: ink detection end to end (demo, ink), percentile thresholding and scoring, stitching, TIFF volumes, cosine top-k, box fusion, COCO evaluation.")
        {
            DemoCommand.Create(),
            QuantileCommand.Create(),
            ThresholdCommand.Create(),
            FBetaCommand.Create(),
            BestPercentileCommand.Create(),
            StitchCommand.Create(),
            KnnCommand.Create(),
            InfoCommand.Create(),
            VerifyCommand.Create(),
            WbfCommand.Create(),
            DetectCommand.Create(),
            EnsembleCommand.Create(),
            VolumeCommand.Create(),
            InkCommand.Create(),
            IdentifyCommand.Create(),
            ServeCommand.Create(),
            ClusterCommand.Create(),
        };
        var configuration = new InvocationConfiguration { Output = output, Error = error };
        return root.Parse(args).Invoke(configuration);
    }
}
