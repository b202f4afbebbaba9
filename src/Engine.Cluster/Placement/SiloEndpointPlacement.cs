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
