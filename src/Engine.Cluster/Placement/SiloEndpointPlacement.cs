using Orleans.Placement;
using Orleans.Runtime;
using Orleans.Runtime.Placement;

namespace Engine.Cluster.Placement;

/// <summary>
/// Places a grain on the silo its key names: keys end in <c>@HOST:PORT</c>, the silo-to-silo endpoint. Replicas of
/// a shard get keys naming different silos, so they live on different silos; a shard reactivated after its silo
/// restarts (same endpoint) lands where its files are. A key naming a silo that is not in the cluster fails to
/// activate rather than moving its data-less grain elsewhere, so a caller fails over to another replica.
/// </summary>
[Serializable, GenerateSerializer, Immutable, SuppressReferenceTracking]
public sealed class SiloEndpointPlacement : PlacementStrategy
{
    /// <summary>The one instance.</summary>
    public static SiloEndpointPlacement Instance { get; } = new();
}

/// <summary>Marks a grain class as placed by <see cref="SiloEndpointPlacement"/>.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class SiloEndpointPlacementAttribute() : PlacementAttribute(SiloEndpointPlacement.Instance);

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
