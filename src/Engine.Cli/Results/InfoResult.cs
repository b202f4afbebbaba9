namespace Engine.Cli.Results;

/// <summary><c>engine info</c>'s output: the machine as the engine sees it.</summary>
internal sealed record InfoResult(string Cpu, int Cores, int VectorBits, string Runtime, string Os, bool Cuda, string AutoBackend) : CommandResult
{
    public override void WriteText(TextWriter output)
    {
        output.WriteLine($"CPU: {Cpu}, {Cores} cores, {VectorBits}-bit vectors");
        output.WriteLine($"Runtime: {Runtime} on {Os}");
        output.WriteLine($"CUDA: {(Cuda ? "present" : "none found")}; --backend auto uses {AutoBackend}");
    }
}
