namespace Engine.Cluster.Knn;

/// <inheritdoc cref="IClusterCatalogGrain"/>
/// <remarks>
/// A stateless worker, so it runs on the silo that receives the call: Orleans' management grain lives on one silo,
/// and when that silo is killed every call to it fails until membership declares the silo dead.
/// </remarks>
[Orleans.Concurrency.StatelessWorker]
internal sealed class ClusterCatalogGrain(IClusterMembershipService membership) : Grain, IClusterCatalogGrain
{
    public async Task<ClusterCatalog> Read()
    {
        var silos = membership.CurrentSnapshot.Members.Values.Where(m => m.Status == SiloStatus.Active)
            .Select(m => new SiloEntry { Endpoint = m.SiloAddress.Endpoint.ToString(), Status = m.Status.ToString() })
            .OrderBy(s => s.Endpoint, StringComparer.Ordinal).ToArray();
        var listings = await Task.WhenAll(silos.Select(async silo =>
        {
            try
            {
                return (silo.Endpoint, Shards: await GrainFactory.GetGrain<ISiloIndexesGrain>(SiloIndexesGrain.Key(silo.Endpoint)).List().WaitAsync(ClusterCatalog.ListTimeout));
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // Refused, reset or timed out: whatever the failure, this silo cannot serve its shards now.
                return (silo.Endpoint, Shards: (ShardManifest[]?)null);
            }
        }));
        return new ClusterCatalog
        {
            Silos = silos,
            Shards = listings.SelectMany(l => l.Shards ?? []).OrderBy(m => m.Index, StringComparer.Ordinal).ThenBy(m => m.Shard).ThenBy(m => m.Replica).ToArray(),
            Unreachable = listings.Where(l => l.Shards is null).Select(l => l.Endpoint).ToArray(),
        };
    }
}
