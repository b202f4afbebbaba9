using System.Text.Json.Serialization;

namespace Engine.Cli.Results;

/// <summary><c>engine threshold</c>'s output.</summary>
internal sealed record ThresholdResult(string Input, string? Mask, double Percentile, double Threshold, int Height, int Width,
    long Selected, long Positives, string Output, string Backend, ThresholdResult.StageSeconds Seconds) : CommandResult
{
    public sealed record StageSeconds(double Read, double Quantile, double Threshold, double Write);

    /// <summary>The backend in words, for the text form.</summary>
    [JsonIgnore]
    public string BackendDescription { get; init; } = "";

    public override void WriteText(TextWriter output)
    {
        output.WriteLine($"threshold {CommandLine.Exact(Threshold)} (q = {Percentile} of {CommandLine.Count(Selected)} pixels{(Mask is null ? "" : " inside the mask")})");
        output.WriteLine($"ink: {CommandLine.Count(Positives)} pixels ({100.0 * Positives / Math.Max(Selected, 1):F2}%) -> {Output}");
        output.WriteLine($"time: read {Seconds.Read * 1000:F1} ms, quantile {Seconds.Quantile * 1000:F1} ms, threshold {Seconds.Threshold * 1000:F1} ms, write {Seconds.Write * 1000:F1} ms ({BackendDescription})");
    }
}
