using System.Net;
using Engine.Cluster.Knn;
using Engine.Cluster.Placement;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using Orleans.Hosting;

namespace Engine.Cluster.Hosting;

/// <summary>Builds the host of one Engine silo (<c>engine serve</c>).</summary>
public static class EngineSilo
{
    /// <summary>The Orleans cluster and service id every Engine silo and client uses.</summary>
    public const string ClusterId = "engine";

    /// <summary>
    /// How long one grain call may take before the caller gives up: a shard search of a large batch takes seconds
    /// to minutes on a loaded machine, so Orleans' 30 s default would fail healthy calls. The search coordinator
    /// bounds each shard call itself (<see cref="SearchRequest.ShardTimeout"/>).
    /// </summary>
    public static readonly TimeSpan ResponseTimeout = TimeSpan.FromMinutes(30);

    /// <summary>The largest message: an upload chunk or a batch's results stay well below it (see <see cref="ClusterIndex.MessageBytes"/>).</summary>
    public const int MaxMessageBodyBytes = 256 << 20;

    /// <summary>Builds (does not start) the silo's host. Localhost clustering listens on loopback whatever <see cref="SiloSettings.Address"/> says.</summary>
    /// <exception cref="ArgumentException">The clustering value is malformed.</exception>
    public static IHost Build(SiloSettings settings)
    {
        var membership = ClusterMembership.Parse(settings.Clustering);
        var builder = CreateHostBuilder();
        // Warnings and errors go to stderr, and only once the silo is up: a failed start (a port in use) is reported
        // by engine serve as one line, not as Orleans' log of the stack. Start-up advice (server GC) and the
        // watchdog's first tick after start-up are noise for every silo started.
        bool started = false;
        builder.Logging.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning);
        builder.Services.Configure<Microsoft.Extensions.Logging.Console.ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        // One rule per category (the most specific rule wins), each closed until the silo is up.
        builder.Logging.AddFilter((_, level) => Volatile.Read(ref started) && level >= LogLevel.Warning)
            .AddFilter("Orleans.Runtime.Silo", level => Volatile.Read(ref started) && level >= LogLevel.Error)
            .AddFilter("Orleans.Runtime.Watchdog", level => Volatile.Read(ref started) && level >= LogLevel.Error);
        builder.Services.AddSingleton(new SiloData(settings.DataDirectory));
        builder.UseOrleans(silo =>
        {
            switch (membership.Kind)
            {
                case "localhost":
                    // Development membership: the primary silo keeps the table in memory; the others join through it.
                    silo.UseLocalhostClustering(settings.SiloPort, settings.GatewayPort, settings.Primary, ClusterId, ClusterId);
                    break;
                case "redis":
                    silo.UseRedisClustering(membership.Target!);
                    break;
                default:
                    silo.UseAdoNetClustering(o =>
                    {
                        o.Invariant = membership.Invariant!;
                        o.ConnectionString = membership.Target;
                    });
                    break;
            }
            if (membership.Kind != "localhost")
            {
                silo.Configure<ClusterOptions>(o => (o.ClusterId, o.ServiceId) = (ClusterId, ClusterId));
                silo.ConfigureEndpoints(settings.Address, settings.SiloPort, settings.GatewayPort, listenOnAnyHostAddress: !IPAddress.IsLoopback(settings.Address));
            }
            ConfigureEngine(silo);
        });
        var host = builder.Build();
        host.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStarted.Register(() => Volatile.Write(ref started, true));
        return host;
    }

    /// <summary>What every Engine silo needs besides membership and endpoints (also used by the in-process test cluster).</summary>
    public static void ConfigureEngine(ISiloBuilder silo)
    {
        silo.AddPlacementDirector<SiloEndpointPlacement, SiloEndpointPlacementDirector>();
        silo.Configure<SiloMessagingOptions>(ConfigureMessaging);
    }

    /// <summary>A host with no configuration sources or log providers of its own: silos and clients add what they need.</summary>
    internal static HostApplicationBuilder CreateHostBuilder()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.ClearProviders();
        return builder;
    }

    /// <summary>The response timeout and message size every silo and client shares.</summary>
    internal static void ConfigureMessaging(MessagingOptions options) =>
        (options.ResponseTimeout, options.MaxMessageBodySize) = (ResponseTimeout, MaxMessageBodyBytes);
}
