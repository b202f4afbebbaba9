using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using Orleans.Hosting;

namespace Engine.Cluster.Hosting;

/// <summary>A client connected to an Engine cluster through the gateways of one or more of its silos.</summary>
public sealed class ClusterConnection : IAsyncDisposable
{
    private readonly IHost _host;

    private ClusterConnection(IHost host) => _host = host;

    /// <summary>The Orleans client.</summary>
    public IClusterClient Client => _host.Services.GetRequiredService<IClusterClient>();

    /// <summary>Connects to the silos whose gateways are at <paramref name="gateways"/> (any one of them suffices).</summary>
    /// <exception cref="ClusterException">No gateway answers.</exception>
    public static async Task<ClusterConnection> ConnectAsync(IReadOnlyList<IPEndPoint> gateways, CancellationToken cancellationToken = default)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.ClearProviders();
        builder.UseOrleansClient(client =>
        {
            client.UseStaticClustering(gateways.ToArray());
            client.Configure<ClusterOptions>(o => (o.ClusterId, o.ServiceId) = (EngineSilo.ClusterId, EngineSilo.ClusterId));
            client.Configure<ClientMessagingOptions>(o =>
            {
                o.ResponseTimeout = EngineSilo.ResponseTimeout;
                o.MaxMessageBodySize = EngineSilo.MaxMessageBodyBytes;
            });
        });
        var host = builder.Build();
        try
        {
            await host.StartAsync(cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            host.Dispose();
            throw new ClusterException($"cannot connect to the cluster at {string.Join(',', gateways)}: {e.Message}", e);
        }
        return new ClusterConnection(host);
    }

    /// <summary>Disconnects.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            await _host.StopAsync(TimeSpan.FromSeconds(5));
        }
        finally
        {
            _host.Dispose();
        }
    }
}
