using Engine.Cluster.Knn;

namespace Engine.Cli.Results;

/// <summary><c>engine cluster status</c>'s output: the silos, those not answering, and each index with its shards' replicas.</summary>
internal sealed record ClusterStatusResult(SiloEntry[] Silos, string[] Unreachable, ClusterStatusResult.Index[] Indexes) : CommandResult
{
    /// <summary>A loaded index; <paramref name="UnavailableShards"/> are those no live silo holds.</summary>
    public sealed record Index(string Name, long Rows, int Dims, bool Normalized, int Shards, int Replicas, ShardPlacement[] Placement, int[] UnavailableShards);

    public static ClusterStatusResult Of(ClusterCatalog catalog) => new(catalog.Silos, catalog.Unreachable,
        catalog.Shards.GroupBy(m => m.Index).Select(g =>
        {
            var first = g.First();
            var placement = ShardPlacement.Of(g);
            return new Index(g.Key, first.TotalRows, first.Dimension, first.Normalize, first.Shards, first.Replicas, placement,
                Enumerable.Range(0, first.Shards).Except(placement.Select(p => p.Shard)).ToArray());
        }).ToArray());

    public override void WriteText(TextWriter output)
    {
        output.WriteLine($"{Silos.Length} silos: {string.Join(", ", Silos.Select(s => $"{s.Endpoint} ({s.Status})"))}");
        if (Unreachable.Length > 0)
            output.WriteLine($"not answering: {string.Join(", ", Unreachable)}");
        if (Indexes.Length == 0)
            output.WriteLine("no indexes");
        foreach (var index in Indexes)
        {
            output.WriteLine($"{index.Name}: {CommandLine.Count(index.Rows)} rows × {index.Dims} dims{(index.Normalized ? ", normalized" : "")}, {index.Shards} shards × {index.Replicas} replicas");
            ShardPlacement.WriteText(output, index.Placement);
            foreach (int shard in index.UnavailableShards)
                output.WriteLine($"  shard {shard}: unavailable (no live silo holds it)");
        }
    }
}
