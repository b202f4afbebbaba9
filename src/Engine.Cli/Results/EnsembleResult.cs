using System.Text.Json.Serialization;

namespace Engine.Cli.Results;

/// <summary><c>engine ensemble</c>'s output: the blend's settings, its score on the labels, and the weight search's candidates.</summary>
internal sealed record EnsembleResult(int Models, int Samples, int Classes, string Method, double[] Weights, string? Metric, double? Score,
    IReadOnlyList<EnsembleResult.Candidate>? Candidates, string Output) : CommandResult
{
    public sealed record Candidate(double[] Weights, double Score);

    /// <summary>No --weights and no search: the text says "equal weights".</summary>
    [JsonIgnore]
    public bool EqualWeights { get; init; }

    /// <summary>--search-step and the best weights' score, when the weights were searched.</summary>
    [JsonIgnore]
    public (double Step, double BestScore)? Search { get; init; }

    public override void WriteText(TextWriter output)
    {
        string weightText = EqualWeights ? "equal weights" : "weights " + string.Join(",", Weights.Select(CommandLine.Exact));
        output.WriteLine($"{Method} of {Models} models ({CommandLine.Count(Samples)} samples × {Classes} classes), {weightText}");
        if (Search is { } search)
            output.WriteLine($"searched {CommandLine.Count(Candidates!.Count)} weight vectors (step {CommandLine.Exact(search.Step)}); best {Metric} {CommandLine.Exact(search.BestScore)}");
        if (Score is { } v)
            output.WriteLine($"{Metric}: {CommandLine.Exact(v)}");
        output.WriteLine($"wrote {Output}");
    }
}
