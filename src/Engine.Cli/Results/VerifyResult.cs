using System.Text.Json.Serialization;
using Engine.Cli.Commands;

namespace Engine.Cli.Results;

/// <summary><c>engine verify</c>'s output: each operation's answer on the backend against the CPU SIMD path's, and --timings' rows.</summary>
internal sealed record VerifyResult(string Backend, int Size, int Pixels, bool Identical, bool Pass, IReadOnlyList<VerifyResult.Timing> Timings,
    IReadOnlyList<VerifyResult.Check> Operations) : CommandResult
{
    /// <summary>How a backend's answer compares with the CPU SIMD path's.</summary>
    /// <param name="Identical">Bit for bit the same.</param>
    /// <param name="Pass">Within the operation's promise (<paramref name="Tolerance"/>).</param>
    /// <param name="Tolerance">What the operation promises on every backend.</param>
    /// <param name="Difference">The measured difference when it is reported (null when not).</param>
    /// <param name="DifferenceUnit">What <paramref name="Difference"/> counts.</param>
    public sealed record Check(string Operation, bool Identical, bool Pass, string Tolerance, double? Difference, string? DifferenceUnit,
        double CpuSeconds, double BackendSeconds)
    {
        [JsonIgnore]
        public string Verdict => Identical ? "identical" : Pass ? "within" : "DIFFERENT";
    }

    public sealed record Timing(string Operation, string Shape, double CpuSeconds, double CpuFraction, double BackendSeconds, double Throughput,
        string ThroughputUnit, double? ShareOfPeak, double Target)
    {
        public Timing(VerifyTimings.Row row, VerifyTimings.Peaks peaks)
            : this(row.Operation, row.Shape, row.CpuSeconds, row.CpuFraction, row.BackendSeconds, row.Throughput,
                row.IsFlops ? "FLOP/s" : "bytes/s", row.ShareOf(peaks), row.Target)
        {
        }
    }

    /// <summary>--timings' rows and the device's peaks, for the text form's table.</summary>
    [JsonIgnore]
    public (IReadOnlyList<VerifyTimings.Row> Rows, VerifyTimings.Peaks Peaks) TimingTable { get; init; }

    public override void WriteText(TextWriter output)
    {
        output.WriteLine($"size {Size}; CPU SIMD vs {Backend}");
        foreach (var c in Operations)
        {
            string difference = c.Difference is { } d ? $"   {c.DifferenceUnit} {d:G4}" : "";
            output.WriteLine($"{c.Operation,-16} {c.Verdict,-10} {"(" + c.Tolerance + ")",-8} cpu {c.CpuSeconds * 1000,9:F2} ms   backend {c.BackendSeconds * 1000,9:F2} ms{difference}");
        }
        if (Timings.Count > 0)
        {
            output.WriteLine();
            VerifyTimings.WriteMarkdown(output, TimingTable.Rows, Backend, TimingTable.Peaks);
        }
    }
}
