using System.Text.Json.Serialization;
using Engine.Detection;

namespace Engine.Cli.Results;

/// <summary><c>engine detect evaluate</c>'s output: COCOeval's summary numbers by name, and AP per category.</summary>
internal sealed record DetectEvaluateResult(string Gt, string Dt, int Images, int Categories, int Annotations, int Detections,
    int UnknownCategoryDetections, IReadOnlyDictionary<string, double> Stats, IReadOnlyList<DetectEvaluateResult.CategoryAp> PerCategory,
    string? Plot, double ReadSeconds, double EvaluateSeconds) : CommandResult
{
    public sealed record CategoryAp(long Id, string? Name, double Ap);

    /// <summary>pycocotools' printed summary, for the text form.</summary>
    [JsonIgnore]
    public string Summary { get; init; } = "";

    /// <summary>The 12 summary numbers of <see cref="CocoEvaluationResult.Stats"/> keyed by their names (AP, AP50, …).</summary>
    public static Dictionary<string, double> NamedStats(double[] stats) =>
        CocoEvaluationResult.StatNames.Select((name, s) => (name, s)).ToDictionary(x => x.name, x => stats[x.s]);

    public override void WriteText(TextWriter output)
    {
        output.Write(Summary);
        output.WriteLine($"{CommandLine.Count(Images)} images, {CommandLine.Count(Categories)} categories, "
            + $"{CommandLine.Count(Annotations)} annotations, {CommandLine.Count(Detections)} detections; read in {ReadSeconds:F3} s, evaluated in {EvaluateSeconds:F3} s");
        if (UnknownCategoryDetections > 0)
            output.WriteLine($"{CommandLine.Count(UnknownCategoryDetections)} detections of categories {Gt} does not list were not evaluated (as in pycocotools)");
        if (Plot is not null)
            output.WriteLine($"wrote {Plot}");
    }
}
