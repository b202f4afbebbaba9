using System.Text.Json.Serialization;

namespace Engine.Cli.Results;

/// <summary><c>engine knn</c>'s output: the search's size and speed; the text form adds each query's predictions when no file took them.</summary>
internal sealed record KnnResult(int Rows, int Dims, int Queries, int K, bool Normalized, int? Identities, string Backend, string? Approximate,
    double Seconds, double QueriesPerSecond, KnnResult.StageSeconds Stages) : CommandResult
{
    public sealed record StageSeconds(double Read, double Add, double Search);

    /// <summary>Each query's ids or labels, best first, for the text form; null when they were written to files.</summary>
    [JsonIgnore]
    public string[][]? Predictions { get; init; }

    public override void WriteText(TextWriter output)
    {
        output.WriteLine($"searched {CommandLine.Count(Queries)} queries against {CommandLine.Count(Rows)} rows × {Dims} dims, k = {K}: {Seconds:F3} s ({QueriesPerSecond:N0} queries/s); read {Stages.Read:F2} s, add {Stages.Add:F2} s");
        for (int i = 0; i < (Predictions?.Length ?? 0); i++)
            output.WriteLine($"{i}: {string.Join(' ', Predictions![i])}");
    }
}
