using Engine.Cluster.Knn;

namespace Engine.Cli.Results;

/// <summary>One shard of a cluster index: its rows and the silos holding its replicas, in replica order.</summary>
internal sealed record ShardPlacement(int Shard, long Start, long Rows, string[] Silos)
{
    /// <summary>Each shard of <paramref name="replicas"/>, in shard order.</summary>
    public static ShardPlacement[] Of(IEnumerable<ShardManifest> replicas) =>
        replicas.GroupBy(m => m.Shard).OrderBy(g => g.Key)
            .Select(g => new ShardPlacement(g.Key, g.First().Start, g.First().Rows, g.OrderBy(m => m.Replica).Select(m => m.Silo).ToArray()))
            .ToArray();

    /// <summary>One indented line a shard, under the line of the index they belong to.</summary>
    public static void WriteText(TextWriter output, IEnumerable<ShardPlacement> placement)
    {
        foreach (var shard in placement)
            output.WriteLine($"  shard {shard.Shard}: rows {shard.Start} … {shard.Start + shard.Rows - 1} on {string.Join(", ", shard.Silos)}");
    }
}
