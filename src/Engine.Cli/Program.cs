using System.CommandLine;
using System.CommandLine.Invocation;
using System.Reflection;
using System.Runtime.InteropServices;
using Engine.Cli.Commands;

namespace Engine.Cli;

/// <summary>The <c>engine</c> command.</summary>
internal static class Program
{
    private static int Main(string[] args)
    {
        using var interrupt = new CancellationTokenSource();
        // The first Ctrl-C asks a long command to stop at its next check (it then prints "engine: cancelled" and
        // exits 130, leaving no partial output); a command that takes no token, or a second Ctrl-C, ends the process.
        using var _ = PosixSignalRegistration.Create(PosixSignal.SIGINT, context =>
        {
            if (CommandLine.Cancellable && !interrupt.IsCancellationRequested)
            {
                context.Cancel = true;
                interrupt.Cancel();
            }
        });
        return Run(args, Console.Out, Console.Error, interrupt.Token);
    }

    /// <summary>Parses and runs one command line; tests call this with their own writers.</summary>
    /// <param name="args">The command line.</param>
    /// <param name="output">stdout.</param>
    /// <param name="error">stderr.</param>
    /// <param name="cancellationToken">The one token every long command passes down (<see cref="CommandLine.Execute(System.CommandLine.ParseResult, Func{TextWriter, CancellationToken, int})"/>).</param>
    internal static int Run(string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken = default)
    {
        CommandLine.Cancellation = cancellationToken;
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
