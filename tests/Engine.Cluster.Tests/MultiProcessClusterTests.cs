using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Engine.Cli;

namespace Engine.Cluster.Tests;

/// <summary>Three <c>engine serve</c> processes on loopback, driven by the CLI as a user would.</summary>
public sealed class MultiProcessClusterTests
{
    private static readonly TimeSpan SiloStartTimeout = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task Killing_one_of_three_silos_keeps_the_answer_bit_for_bit()
    {
        using var folder = new TempFolder();
        string db = ClusterTestData.PathOf("random_db"), queries = ClusterTestData.PathOf("random_queries");
        Cli("knn", "--database", db, "--normalize", "--queries", queries, "-k", "10", "--out-ids", folder.File("ids.npy"), "--out-scores", folder.File("scores.npy"));

        var silos = new List<Process>();
        try
        {
            var cluster = await StartCluster(folder, silos);
            Cli("cluster", "index", "--cluster", cluster, "--name", "rnd", "--database", db, "--normalize", "--shards", "3", "--replicas", "2");

            // A second index removed from every silo; removing it again names it.
            Cli("cluster", "index", "--cluster", cluster, "--name", "gone", "--database", db, "--shards", "2", "--replicas", "2");
            Assert.Contains("\"replicasRemoved\":4", Cli("cluster", "remove", "--cluster", cluster, "--name", "gone", "--json"));
            Assert.DoesNotContain(Directory.EnumerateFiles(folder.Path, "*", SearchOption.AllDirectories), f => f.Contains("gone", StringComparison.Ordinal));
            var (code, _, error) = Run("cluster", "remove", "--cluster", cluster, "--name", "gone");
            Assert.Equal(1, code);
            Assert.Equal("engine: error: index gone is not loaded in the cluster (or every silo holding it is down); engine cluster status lists the loaded indexes.", error.TrimEnd());

            // The third silo holds a replica of two of the three shards; its death must not change a single bit.
            silos[2].Kill();
            var clock = Stopwatch.StartNew();
            Search(cluster, folder, "after-kill");
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), $"the search after the kill took {clock.Elapsed.TotalSeconds:F1} s");
            AssertSameFiles(folder, "after-kill");
        }
        finally
        {
            foreach (var silo in silos)
            {
                silo.Kill(entireProcessTree: true);
                silo.WaitForExit();
                silo.Dispose();
            }
        }
    }

    /// <summary>Starts three silos (data in folder/silo-N) and returns the first one's gateway once all are up.</summary>
    private static async Task<string> StartCluster(TempFolder folder, List<Process> silos)
    {
        int[] ports = FreePorts(6);
        string primary = $"127.0.0.1:{ports[0]}";
        var ups = new List<Task>();
        for (int i = 0; i < 3; i++)
        {
            var args = new List<string> { "serve", "--port", $"{ports[2 * i]}", "--gateway-port", $"{ports[2 * i + 1]}", "--data", folder.File($"silo-{i}") };
            if (i > 0)
                args.AddRange(["--primary", primary]);
            silos.Add(StartSilo(args, out var up));
            ups.Add(up);
            // The primary keeps the membership table: the others join through it.
            if (i == 0)
                await up.WaitAsync(SiloStartTimeout);
        }
        // Every silo must be up before loading: replicas go to distinct silos among those present.
        await Task.WhenAll(ups).WaitAsync(SiloStartTimeout);
        return $"127.0.0.1:{ports[1]}";
    }

    private static Process StartSilo(IEnumerable<string> args, out Task up)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Engine.Cli.dll"));
        foreach (string arg in args)
            start.ArgumentList.Add(arg);
        var process = Process.Start(start)!;
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data?.Contains(" is up ", StringComparison.Ordinal) == true)
                ready.TrySetResult();
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data?.StartsWith("engine: error:", StringComparison.Ordinal) == true)
                ready.TrySetException(new InvalidOperationException(e.Data));
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        up = ready.Task;
        return process;
    }

    private static void Search(string cluster, TempFolder folder, string name) =>
        Cli("knn", "--cluster", cluster, "--index", "rnd", "--queries", ClusterTestData.PathOf("random_queries"), "-k", "10",
            "--out-ids", folder.File($"{name}-ids.npy"), "--out-scores", folder.File($"{name}-scores.npy"));

    private static void AssertSameFiles(TempFolder folder, string name)
    {
        Assert.Equal(File.ReadAllBytes(folder.File("ids.npy")), File.ReadAllBytes(folder.File($"{name}-ids.npy")));
        Assert.Equal(File.ReadAllBytes(folder.File("scores.npy")), File.ReadAllBytes(folder.File($"{name}-scores.npy")));
    }

    /// <summary>Runs the CLI, which must succeed; returns what it printed.</summary>
    private static string Cli(params string[] args)
    {
        var (code, output, error) = Run(args);
        Assert.True(code == 0, $"engine {string.Join(' ', args)} exited {code}: {error}");
        return output;
    }

    private static (int Code, string Output, string Error) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = Program.Run(args, output, error);
        return (code, output.ToString(), error.ToString());
    }

    /// <summary>Ports the system hands out for loopback now (bound, then released), all distinct.</summary>
    private static int[] FreePorts(int count)
    {
        var listeners = Enumerable.Range(0, count).Select(_ => new TcpListener(IPAddress.Loopback, 0)).ToArray();
        foreach (var listener in listeners)
            listener.Start();
        var ports = listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port).ToArray();
        foreach (var listener in listeners)
            listener.Stop();
        return ports;
    }
}
