using Orleans.Runtime;
using Orleans.Runtime.Placement;

namespace Engine.Cluster.Placement;

/// <summary>Picks the silo named by the key's <c>@HOST:PORT</c> suffix.</summary>
public sealed class SiloEndpointPlacementDirector : IPlacementDirector
{
    /// <summary>The key of a grain placed on the silo at <paramref name="siloEndpoint"/>.</summary>
    public static string Key(string name, string siloEndpoint) => $"{name}@{siloEndpoint}";

    /// <summary>The silo endpoint a key names.</summary>
    public static string SiloOf(string key) => key[(key.LastIndexOf('@') + 1)..];

    /// <inheritdoc/>
    public Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        string endpoint = SiloOf(target.GrainIdentity.Key.ToString()!);
        foreach (var silo in context.GetCompatibleSilos(target))
        {
            if (silo.Endpoint.ToString() == endpoint)
                return Task.FromResult(silo);
        }
        throw new ClusterException($"the silo {endpoint} is not in the cluster");
    }
}
