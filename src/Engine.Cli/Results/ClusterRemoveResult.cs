namespace Engine.Cli.Results;

/// <summary><c>engine cluster remove</c>'s output: the index deleted and where its shard replicas were.</summary>
internal sealed record ClusterRemoveResult(string Name, int ReplicasRemoved, ShardPlacement[] Placement) : CommandResult
{
    public override void WriteText(TextWriter output)
    {
        output.WriteLine($"removed {Name}: {ReplicasRemoved} shard replicas on {Placement.SelectMany(p => p.Silos).Distinct().Count()} silos");
        ShardPlacement.WriteText(output, Placement);
    }
}
