using System.Globalization;

namespace Engine.Cli.Results;

/// <summary><c>engine detect tune</c>'s output: every candidate's settings and scores, and which was best.</summary>
internal sealed record DetectTuneResult(string Metric, int Images, int PredictionSets, int Detections, IReadOnlyList<DetectTuneResult.Candidate> Candidates,
    int Best, string Output, string? Plot, double ReadSeconds, double TuneSeconds) : CommandResult
{
    public sealed record Candidate(string Method, double IouThr, double SkipBoxThr, string ConfType, double[]? Weights, double Score,
        IReadOnlyDictionary<string, double> Stats);

    /// <summary>Rows of the text form's table: the best candidates.</summary>
    private const int TableShown = 10;

    public override void WriteText(TextWriter output)
    {
        output.WriteLine($"{CommandLine.Count(Candidates.Count)} candidates on {CommandLine.Count(Images)} images × {PredictionSets} prediction sets "
            + $"({CommandLine.Count(Detections)} detections) in {TuneSeconds:F2} s ({TuneSeconds / Candidates.Count * 1000:F0} ms each)");
        output.WriteLine($"{Metric,8}  iou_thr  skip_box_thr  conf_type               weights");
        foreach (var candidate in Candidates.OrderByDescending(c => c.Score).Take(TableShown))
            output.WriteLine(Row(candidate));
        output.WriteLine($"best: {Row(Candidates[Best]).Trim()}");
        output.WriteLine($"wrote {Output}");
        if (Plot is not null)
            output.WriteLine($"wrote {Plot}");
    }

    private static string Row(Candidate c) =>
        string.Create(CultureInfo.InvariantCulture, $"{c.Score,8:F4}  {c.IouThr,7:0.####}  {c.SkipBoxThr,12:0.####}  {c.ConfType,-22}  {(c.Weights is null ? "None" : string.Join(",", c.Weights.Select(CommandLine.Exact)))}");
}
