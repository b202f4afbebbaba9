namespace Engine.Cli.Results;

/// <summary><c>engine cluster index</c>'s output: the index loaded, where its shards went, and the time to read and to load it.</summary>
internal sealed record ClusterIndexResult(string Name, long Rows, int Dims, bool Normalized, int Shards, int Replicas, ShardPlacement[] Placement,
    ClusterIndexResult.StageSeconds Stages) : CommandResult
{
    public sealed record StageSeconds(double Read, double Load);

    public override void WriteText(TextWriter output)
    {
        output.WriteLine($"loaded {Name}: {CommandLine.Count(Rows)} rows × {Dims} dims in {Shards} shards × {Replicas} replicas: {F(Stages.Load, "F2")} s; read {F(Stages.Read, "F2")} s");
        ShardPlacement.WriteText(output, Placement);
    }
}
