using System.CommandLine;
using System.Net;
using System.Runtime.InteropServices;
using Engine.Cli.Results;
using Engine.Cluster;
using Engine.Cluster.Hosting;
using Microsoft.Extensions.Hosting;

namespace Engine.Cli.Commands;

/// <summary><c>engine serve</c>: runs one Orleans silo of an Engine cluster until SIGINT or SIGTERM.</summary>
internal static class ServeCommand
{
    public static Command Create()
    {
        var port = new Option<int>("--port") { Description = "The silo-to-silo port.", Required = true };
        var gatewayPort = new Option<int>("--gateway-port") { Description = "The port clients (engine knn --cluster, engine cluster …) connect to.", Required = true };
        var primary = new Option<string?>("--primary") { Description = "With localhost clustering: HOST:PORT (silo port) of the primary silo; omit on the primary itself." };
        var data = new Option<string?>("--data") { Description = "Directory for the silo's index shards, reloaded after a restart (default: engine-data/silo-PORT)." };
        var clustering = new Option<string>("--clustering") { Description = "Membership: localhost (one machine, development), redis=HOST:PORT, or adonet=INVARIANT:CONNECTION STRING.", DefaultValueFactory = _ => "localhost" };
        var address = new Option<string>("--address") { Description = "The IP address to listen on and advertise to the other silos; loopback unless silos run on several machines.", DefaultValueFactory = _ => "127.0.0.1" };
        var json = CommandLine.JsonOption();
        var command = new Command("serve", "Run one silo of an Engine cluster (Orleans) until interrupted: it holds index shards and answers searches.")
        {
            port, gatewayPort, primary, data, clustering, address, json,
        };
        command.SetAction(parse => CommandLine.Execute(parse, stdout =>
        {
            int siloPort = CommandLine.InRange(parse.GetValue(port), "--port", 1, 65535);
            int gateway = CommandLine.InRange(parse.GetValue(gatewayPort), "--gateway-port", 1, 65535);
            if (siloPort == gateway)
                throw new ArgumentException($"--port and --gateway-port are both {siloPort}; they must differ.");
            if (!IPAddress.TryParse(parse.GetValue(address), out var ip))
                throw new ArgumentException($"--address {parse.GetValue(address)} is not an IP address.");
            var settings = new SiloSettings(siloPort, gateway, Path.GetFullPath(parse.GetValue(data) ?? Path.Combine("engine-data", $"silo-{siloPort}")))
            {
                Address = ip,
                Primary = parse.GetValue(primary) is { } p ? ClusterEndpoints.Parse(p, "--primary") : null,
                Clustering = parse.GetValue(clustering)!,
            };
            var membership = ClusterMembership.Parse(settings.Clustering);
            if (membership.Kind == "localhost" && !IPAddress.IsLoopback(ip))
                throw new ArgumentException($"--address {ip} is not loopback: localhost clustering runs every silo on one machine; across machines use --clustering redis=HOST:PORT or adonet=….");
            if (membership.Kind != "localhost" && settings.Primary is not null)
                throw new ArgumentException("--primary is for localhost clustering; with Redis or ADO.NET membership the silos find each other through the store.");
            Directory.CreateDirectory(settings.DataDirectory);
            using var host = EngineSilo.Build(settings);
            try
            {
                host.StartAsync().GetAwaiter().GetResult();
            }
            catch (Exception e) when (e is not ArgumentException)
            {
                throw new ClusterException($"cannot start the silo on {ip}:{siloPort} (gateway {gateway}): {e.Message}", e);
            }

            var stop = new TaskCompletionSource();
            void Stop(PosixSignalContext context)
            {
                context.Cancel = true;
                stop.TrySetResult();
            }
            using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
            using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
            // The line a script (or a test) waits for: the silo has joined the cluster and its gateway is open.
            new ServeResult($"{ip}:{siloPort}", $"{ip}:{gateway}", settings.DataDirectory, settings.Clustering).Write(stdout, parse.GetValue(json));
            stdout.Flush();
            stop.Task.GetAwaiter().GetResult();
            host.StopAsync(TimeSpan.FromSeconds(30)).GetAwaiter().GetResult();
            return 0;
        }));
        return command;
    }
}
