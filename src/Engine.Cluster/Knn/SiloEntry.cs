namespace Engine.Cluster.Knn;

/// <summary>A silo of the cluster as membership sees it.</summary>
[GenerateSerializer, Immutable]
public sealed record SiloEntry
{
    /// <summary>Its silo-to-silo endpoint, HOST:PORT.</summary>
    [Id(0)] public required string Endpoint { get; init; }

    /// <summary>Orleans' status (Active, ShuttingDown, Dead, …).</summary>
    [Id(1)] public required string Status { get; init; }
}
