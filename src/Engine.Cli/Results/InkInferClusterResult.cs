using System.Text.Json.Serialization;

namespace Engine.Cli.Results;

/// <summary><c>engine ink infer --cluster</c>'s output: each fragment's silo, figures and times, and the job's time.</summary>
internal sealed record InkInferClusterResult(string Job, string Output, string[] Models, InkInferClusterResult.FragmentRun[] Fragments, double Seconds)
    : CommandResult
{
    /// <summary>One fragment: inferred whole on <paramref name="Silo"/>, or in <paramref name="Regions"/> then merged there.</summary>
    public sealed record FragmentRun(string Name, string Fragment, string Output, string Silo, int Attempts, int Width, int Height, int Tiles,
        double? Threshold, long? InkPixels, double InferenceSeconds, double Seconds, Region[] Regions);

    /// <summary>One band of rows of a fragment, inferred on its own silo.</summary>
    public sealed record Region(string Silo, int Attempts, int Windows, double InferenceSeconds, double Seconds);

    /// <summary>The job's work items: a fragment's whole item or its merge, and its regions. The text form counts them.</summary>
    [JsonIgnore]
    public int WorkItems { get; init; }

    public override void WriteText(TextWriter output)
    {
        foreach (var f in Fragments)
        {
            string where = f.Regions.Length == 0 ? $"on {f.Silo}{(f.Attempts > 1 ? $" (attempt {f.Attempts})" : "")}"
                : $"in {f.Regions.Length} regions on {string.Join(", ", f.Regions.Select(g => g.Silo).Distinct())}, merged on {f.Silo}";
            output.WriteLine($"{f.Name}: {CommandLine.Count(f.Tiles)} windows over {f.Width} × {f.Height} {where}, threshold {F(f.Threshold ?? double.NaN, "G6")}, {CommandLine.Count(f.InkPixels ?? 0)} ink pixels; inference {F(f.InferenceSeconds, "F2")} s -> {f.Output}");
        }
        output.WriteLine($"{Fragments.Length} fragments ({WorkItems} work items) on the cluster in {F(Seconds, "F2")} s");
    }
}
