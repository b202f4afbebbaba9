using System.Globalization;
using System.Text.Json.Serialization;

namespace Engine.Cli.Results;

/// <summary>
/// <c>engine knn --cluster</c>'s output: <see cref="KnnResult"/>'s fields (no identities, no approximation, no add stage)
/// and then the index searched and its layout; the text form adds each query's ids when no file took them.
/// </summary>
internal sealed record ClusterKnnResult(long Rows, int Dims, int Queries, int K, bool Normalized, int? Identities, string Backend, string? Approximate,
    double Seconds, double QueriesPerSecond, KnnResult.StageSeconds Stages, string Index, int Shards, int Replicas) : CommandResult
{
    /// <summary>Each query's ids, best first, for the text form; null when they were written to files.</summary>
    [JsonIgnore]
    public long[][]? Predictions { get; init; }

    public override void WriteText(TextWriter output)
    {
        output.WriteLine($"searched {CommandLine.Count(Queries)} queries against {CommandLine.Count(Rows)} rows × {Dims} dims, k = {K}: {F(Seconds, "F3")} s ({F(QueriesPerSecond, "N0")} queries/s); read {F(Stages.Read, "F2")} s, index {Index} ({Shards} shards × {Replicas} replicas)");
        for (int i = 0; i < (Predictions?.Length ?? 0); i++)
            output.WriteLine($"{i}: {string.Join(' ', Predictions![i].Select(id => id.ToString(CultureInfo.InvariantCulture)))}");
    }
}
