using System.CommandLine;
using System.CommandLine.Invocation;
using System.Reflection;
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
            CompletionCommand.Create(),
            ServeCommand.Create(),
            ClusterCommand.Create(),
        };
        foreach (var version in root.Options.OfType<VersionOption>())
            version.Action = new PrintVersion();
        var configuration = new InvocationConfiguration { Output = output, Error = error };
        return root.Parse(args).Invoke(configuration);
    }

    /// <summary>
    /// <c>--version</c> prints Engine's version even when the entry assembly is another program's (a test host runs
    /// <see cref="Run"/> in-process); System.CommandLine's own action would print the entry assembly's.
    /// </summary>
    private sealed class PrintVersion : SynchronousCommandLineAction
    {
        public override int Invoke(ParseResult parseResult)
        {
            parseResult.InvocationConfiguration.Output.WriteLine(
                typeof(Program).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()!.InformationalVersion);
            return 0;
        }
    }
}
