using Orleans.Placement;

namespace Engine.Cluster.Placement;

/// <summary>Marks a grain class as placed by <see cref="SiloEndpointPlacement"/>.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class SiloEndpointPlacementAttribute() : PlacementAttribute(SiloEndpointPlacement.Instance);
