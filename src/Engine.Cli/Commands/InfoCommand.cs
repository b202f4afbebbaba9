using System.CommandLine;
using System.Runtime.InteropServices;
using Engine.Compute;

namespace Engine.Cli.Commands;

/// <summary><c>engine info</c>: what this machine gives Engine (for bug reports and benchmark tables).</summary>
internal static class InfoCommand
{
    public static Command Create()
    {
        var json = CommandLine.JsonOption();
        var command = new Command("info", "Show the CPU, its vector width, the .NET runtime and whether a CUDA device is present.") { json };
        command.SetAction(parse => CommandLine.Execute(parse, stdout =>
        {
            bool cuda = ComputeContext.IsCudaAvailable();
            string device;
            using (var compute = new ComputeContext(ComputeBackend.Auto))
                device = compute.Description;
            new InfoResult(CpuModel(), Environment.ProcessorCount, ComputeContext.VectorWidthBits, RuntimeInformation.FrameworkDescription,
                RuntimeInformation.OSDescription, cuda, device).Write(stdout, parse.GetValue(json));
            return 0;
        }));
        return command;
    }

    internal static string CpuModel()
    {
        const string Key = "model name";
        var line = File.Exists("/proc/cpuinfo") ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith(Key, StringComparison.Ordinal)) : null;
        return line is null ? RuntimeInformation.ProcessArchitecture.ToString() : line[(line.IndexOf(':') + 1)..].Trim();
    }
}
