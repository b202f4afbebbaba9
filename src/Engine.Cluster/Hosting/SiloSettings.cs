using System.Net;

namespace Engine.Cluster.Hosting;

/// <summary>What <c>engine serve</c> starts: one silo.</summary>
/// <param name="SiloPort">The port silos talk to each other on.</param>
/// <param name="GatewayPort">The port clients connect to.</param>
/// <param name="DataDirectory">Where the silo keeps its index shards, so they reload after a restart.</param>
public sealed record SiloSettings(int SiloPort, int GatewayPort, string DataDirectory)
{
    /// <summary>The address the silo listens on and advertises: loopback unless the silos run on several machines.</summary>
    public IPAddress Address { get; init; } = IPAddress.Loopback;

    /// <summary>With localhost clustering, the primary silo's endpoint (its silo port); null on the primary itself.</summary>
    public IPEndPoint? Primary { get; init; }

    /// <summary>Membership: <c>localhost</c>, <c>redis=HOST:PORT</c> or <c>adonet=INVARIANT:CONNECTION STRING</c> (see <see cref="ClusterMembership"/>).</summary>
    public string Clustering { get; init; } = "localhost";
}
