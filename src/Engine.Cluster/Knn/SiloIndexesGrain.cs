using Engine.Cluster.Hosting;
using Engine.Cluster.Placement;
using Engine.Search;

namespace Engine.Cluster.Knn;

/// <inheritdoc cref="ISiloIndexesGrain"/>
[SiloEndpointPlacement]
internal sealed class SiloIndexesGrain(SiloData data) : Grain, ISiloIndexesGrain
{
    private string Silo => SiloEndpointPlacementDirector.SiloOf(this.GetPrimaryKeyString());

    public Task<ShardManifest[]> List() => Task.FromResult(Saved().ToArray());

    public async Task<ShardManifest[]> Remove(string index)
    {
        var removed = Saved().Where(m => m.Index == index).ToArray();
        // Manifests first: a removal cut short leaves no listed shard without its file, only unlisted files.
        foreach (var manifest in removed)
            File.Delete(ShardFiles.ManifestPath(data, index, manifest.Shard));
        if (Directory.Exists(data.IndexDirectory(index)))
            Directory.Delete(data.IndexDirectory(index), recursive: true);
        // With the manifests gone a shard grain that was not active activates empty, so dropping never loads rows.
        await Task.WhenAll(removed.Select(m => GrainFactory.GetGrain<IIndexShardGrain>(IndexShardGrain.Key(index, m.Shard, Silo)).Drop()));
        return removed;
    }

    /// <summary>The manifests under <c>--data</c>. Each names the silo that wrote it; the one serving it now is this one.</summary>
    private IEnumerable<ShardManifest> Saved() => ShardFiles.Manifests(data).Select(p => ShardFiles.ReadManifest(p) with { Silo = Silo });

    /// <summary>The key of the grain listing the shards of the silo at <paramref name="silo"/>.</summary>
    public static string Key(string silo) => SiloEndpointPlacementDirector.Key("silo", silo);
}
