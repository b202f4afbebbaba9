using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using Engine.Benchmarks.Segmentation;
using Engine.Benchmarks.Volumes;
using Engine.Compute;

namespace Engine.Benchmarks;

/// <summary>
/// Runs a BenchmarkDotNet suite and its peer script on the same inputs in one run, then prints each
/// operation's medians and the ratio ours ÷ peer (below 1: Engine is faster), as docs/performance.md records.
/// </summary>
internal static class PeerComparison
{
    /// <summary>
    /// One hot path's comparison. Its inputs live in <c>benchmarks/data/NAME</c> (<see cref="BenchmarkData.For"/>),
    /// written once by <c>PEERSCRIPT --make-data FOLDER</c>; <paramref name="Floor"/> names the suite's memory-floor
    /// benchmark, if it has one.
    /// </summary>
    private sealed record Suite(Type Benchmarks, string PeerScript, string Peer, string? Floor = null);

    // Each hot path adds its line here.
    private static readonly Dictionary<string, Suite> Suites = new()
    {
        ["quantile"] = new(typeof(QuantileBenchmarks), "quantile.py", "numpy", Floor: "CopyMap"),
        ["wbf"] = new(typeof(Engine.Benchmarks.Detection.WeightedBoxesFusionBenchmarks), "wbf.py", "ensemble-boxes"),
        ["stitch"] = new(typeof(StitchBenchmarks), "stitch.py", "numpy", Floor: "CopyMap"),
        ["volume"] = new(typeof(VolumeBenchmarks), "volume.py", "tifffile", Floor: "CopyStack"),
        ["knn"] = new(typeof(Search.CosineTopKBenchmarks), "knn_faiss.py", "faiss"),
        ["identity"] = new(typeof(Identity.IdentitySearchBenchmarks), "identity_faiss.py", "faiss"),
        ["coco"] = new(typeof(Engine.Benchmarks.Detection.CocoEvaluationBenchmarks), "coco_eval.py", "pycocotools"),
    };

    public static int Run(string name)
    {
        if (!Suites.TryGetValue(name, out var suite))
        {
            Console.Error.WriteLine($"error: no comparison named '{name}'; known: {string.Join(", ", Suites.Keys)}");
            return 2;
        }
        string python = Environment.GetEnvironmentVariable("ENGINE_PEER_PYTHON") ?? "/usr/bin/python3";
        string script = Path.Combine(BenchmarkData.RepositoryRoot, "benchmarks", "peers", suite.PeerScript);
        string folder = BenchmarkData.For(name);
        if (!Directory.Exists(folder) || Directory.GetFileSystemEntries(folder).Length == 0)
            RunPeer(python, script, folder, "--make-data");

        Console.Error.WriteLine($"Timing the peer ({suite.Peer}) …");
        using var peer = JsonDocument.Parse(RunPeer(python, script, folder));
        var summary = BenchmarkRunner.Run(suite.Benchmarks);

        var table = Table(suite, summary, peer.RootElement);
        Console.WriteLine(table);
        string output = Path.Combine(summary.ResultsDirectoryPath, $"{name}-vs-{suite.Peer}.md");
        File.WriteAllText(output, table);
        string chart = Path.ChangeExtension(output, ".png");
        RatioChart.Write(Ratios(summary, peer.RootElement), suite.Peer, chart);
        Console.Error.WriteLine($"Written to {output} and {chart}");
        return 0;
    }

    private static string Table(Suite suite, Summary summary, JsonElement peer)
    {
        var text = new StringBuilder();
        text.AppendLine($"Machine: {CpuModel()}, {Environment.ProcessorCount} cores, {ComputeContext.VectorWidthBits}-bit vectors; .NET {Environment.Version}; {suite.Peer} {peer.GetProperty(suite.Peer).GetString()}");
        text.AppendLine();
        // A peer that runs threads says how many ("threads" in its JSON); numpy's peers run on one core.
        string peerCores = peer.TryGetProperty("threads", out var threads) ? $"{threads.GetInt32()} threads" : "1 core";
        text.AppendLine($"| operation | Engine, all cores | Engine, 1 core | {suite.Peer} ({peerCores}) | ours ÷ {suite.Peer}, all cores | ours ÷ {suite.Peer}, 1 core |");
        text.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: |");
        foreach (var timing in peer.GetProperty("timings").EnumerateObject())
        {
            double peerSeconds = timing.Value.GetProperty("median").GetDouble();
            double? all = Median(summary, timing.Name, "all cores"), one = Median(summary, timing.Name, "1 core");
            text.AppendLine($"| {timing.Name} | {Seconds(all)} | {Seconds(one)} | {Seconds(peerSeconds)} | {Ratio(all, peerSeconds)} | {Ratio(one, peerSeconds)} |");
        }
        if (suite.Floor is { } floor)
        {
            text.AppendLine();
            text.AppendLine($"Memory floor ({floor}, all cores): {Seconds(Median(summary, floor, "all cores"))}.");
        }
        return text.ToString();
    }

    private static List<RatioChart.Row> Ratios(Summary summary, JsonElement peer) =>
        peer.GetProperty("timings").EnumerateObject().Select(timing =>
        {
            double peerSeconds = timing.Value.GetProperty("median").GetDouble();
            return new RatioChart.Row(timing.Name, Median(summary, timing.Name, "all cores") / peerSeconds, Median(summary, timing.Name, "1 core") / peerSeconds);
        }).ToList();

    private static double? Median(Summary summary, string method, string job)
    {
        var report = summary.Reports.FirstOrDefault(r => r.BenchmarkCase.Descriptor.WorkloadMethod.Name == method
            && r.BenchmarkCase.Job.Id == job);
        return report?.ResultStatistics?.Median / 1e9;
    }

    private static string Seconds(double? seconds) => seconds switch
    {
        null => "—",
        < 1 => (seconds.Value * 1000).ToString("F1", CultureInfo.InvariantCulture) + " ms",
        _ => seconds.Value.ToString("F2", CultureInfo.InvariantCulture) + " s",
    };

    private static string Ratio(double? ours, double peer) => ours is null
        ? "—"
        : $"{(ours.Value / peer).ToString("F3", CultureInfo.InvariantCulture)} ({(peer / ours.Value).ToString("F1", CultureInfo.InvariantCulture)}× faster)";

    private static string CpuModel()
    {
        const string Key = "model name";
        var line = File.Exists("/proc/cpuinfo") ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith(Key, StringComparison.Ordinal)) : null;
        return line is null ? "unknown CPU" : line[(line.IndexOf(':') + 1)..].Trim();
    }

    private static string RunPeer(string python, string script, string folder, params string[] extra)
    {
        var start = new ProcessStartInfo(python) { RedirectStandardOutput = true };
        start.ArgumentList.Add(script);
        start.ArgumentList.Add(folder);
        foreach (string argument in extra)
            start.ArgumentList.Add(argument);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {python}");
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{python} {script} failed with exit code {process.ExitCode} (is python3-numpy installed?)");
        return output;
    }
}
