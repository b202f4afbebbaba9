namespace Engine.Cluster.Knn;

/// <summary>Reads the <see cref="ClusterCatalog"/> from the local silo's membership view and each active silo's listing.</summary>
public interface IClusterCatalogGrain : IGrainWithIntegerKey
{
    /// <summary>The catalog now.</summary>
    Task<ClusterCatalog> Read();
}
