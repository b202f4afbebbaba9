using Engine.Cluster.Hosting;
using Engine.Cluster.Placement;
using Engine.Search;

namespace Engine.Cluster.Knn;

/// <inheritdoc cref="ISiloIndexesGrain"/>
[SiloEndpointPlacement]
internal sealed class SiloIndexesGrain(SiloData data) : Grain, ISiloIndexesGrain
{
    public Task<ShardManifest[]> List()
    {
        string silo = SiloEndpointPlacementDirector.SiloOf(this.GetPrimaryKeyString());
        // The manifest names the silo that wrote it; the one serving it now is this one.
        return Task.FromResult(ShardFiles.Manifests(data).Select(p => ShardFiles.ReadManifest(p) with { Silo = silo }).ToArray());
    }

    /// <summary>The key of the grain listing the shards of the silo at <paramref name="silo"/>.</summary>
    public static string Key(string silo) => SiloEndpointPlacementDirector.Key("silo", silo);
}
