using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;
using Orleans.Hosting;

namespace Engine.Cluster.Hosting;

/// <summary>A client connected to an Engine cluster through the gateways of one or more of its silos.</summary>
public sealed class ClusterConnection : IAsyncDisposable
{
    /// <summary>How long connecting may take: a live gateway answers in well under a second, even on a loaded machine.</summary>
    public static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(20);

    private readonly IHost _host;

    private ClusterConnection(IHost host) => _host = host;

    /// <summary>The Orleans client.</summary>
    public IClusterClient Client => _host.Services.GetRequiredService<IClusterClient>();

    /// <summary>Connects to the silos whose gateways are at <paramref name="gateways"/> (any one of them suffices).</summary>
    /// <param name="gateways">The silos' gateway endpoints.</param>
    /// <param name="connectTimeout">How long to try; <see cref="ConnectTimeout"/> when null.</param>
    /// <param name="cancellationToken">Stops trying.</param>
    /// <exception cref="ClusterException">No gateway answers within the timeout.</exception>
    public static async Task<ClusterConnection> ConnectAsync(IReadOnlyList<IPEndPoint> gateways, TimeSpan? connectTimeout = null, CancellationToken cancellationToken = default)
    {
        var builder = EngineSilo.CreateHostBuilder();
        builder.UseOrleansClient(client =>
        {
            client.UseStaticClustering(gateways.ToArray());
            client.Configure<ClusterOptions>(o => (o.ClusterId, o.ServiceId) = (EngineSilo.ClusterId, EngineSilo.ClusterId));
            client.Configure<ClientMessagingOptions>(EngineSilo.ConfigureMessaging);
        });
        var host = builder.Build();
        // Orleans keeps retrying refused gateways for minutes; a user waits for one answer.
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var limit = connectTimeout ?? ConnectTimeout;
        timeout.CancelAfter(limit);
        try
        {
            await host.StartAsync(timeout.Token);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            host.Dispose();
            string why = e is OperationCanceledException ? $"no gateway answered within {limit.TotalSeconds:0.#} s" : ClusterException.FirstLine(e);
            throw new ClusterException($"cannot connect to the cluster at {string.Join(',', gateways)}: {why}", e);
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
