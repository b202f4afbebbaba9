using System.Diagnostics;
using System.Globalization;
using Engine.Compute;
using Engine.Search;
using Engine.Segmentation;
using Engine.Volumes;

namespace Engine.Cli.Commands;

/// <summary>
/// <c>engine verify --timings</c>: each operation at a size where a GPU matters, timed on the CPU SIMD path and on
/// the backend, with the backend's throughput as a share of the device's peak (FP32 for kNN, memory bandwidth for
/// the rest). The CPU reference runs a prefix of the work (fewer queries, values, window rows or patches) when the
/// whole would take longer than its budget, and its time is scaled up linearly: every operation here does work in
/// proportion to that prefix.
/// </summary>
internal static class VerifyTimings
{
    /// <summary>The sizes of one run: <see cref="Gpu"/> where a GPU matters, <see cref="Small"/> runs on the emulator in seconds.</summary>
    public sealed record Sizes(int KnnRows, int KnnDimension, int KnnQueries, int Values, int StitchSide, int Patches, int PatchDepth, int PatchSide);

    public static readonly Sizes Gpu = new(KnnRows: 1_000_000, KnnDimension: 512, KnnQueries: 10_000, Values: 1_000_000_000,
        StitchSide: 32_768, Patches: 4_096, PatchDepth: 16, PatchSide: 256);

    public static readonly Sizes Small = new(KnnRows: 256, KnnDimension: 32, KnnQueries: 4, Values: 1 << 14,
        StitchSide: 128, Patches: 4, PatchDepth: 2, PatchSide: 16);

    /// <summary>Results per kNN query.</summary>
    private const int K = 10;

    /// <summary>Patches normalized per call: bounds the float output held at once (256 × 16 × 256² floats = 1 GiB).</summary>
    private const int PatchBatch = 256;

    /// <summary>The share of the device's peak each operation is meant to reach (docs/gpu.md).</summary>
    private const double KnnTarget = 0.30, BandwidthTarget = 0.50;

    /// <summary>One timed operation.</summary>
    /// <param name="Operation">The row's name.</param>
    /// <param name="Shape">Its size, in words.</param>
    /// <param name="CpuSeconds">The CPU SIMD path's time for the whole (scaled up when <paramref name="CpuFraction"/> &lt; 1).</param>
    /// <param name="CpuFraction">The share of the work the CPU ran.</param>
    /// <param name="BackendSeconds">The backend's time for the whole, from host memory to host memory.</param>
    /// <param name="Work">Floating-point operations (kNN) or bytes read and written once (the rest).</param>
    /// <param name="IsFlops">Whether <paramref name="Work"/> counts floating-point operations.</param>
    public sealed record Row(string Operation, string Shape, double CpuSeconds, double CpuFraction, double BackendSeconds, double Work, bool IsFlops)
    {
        public double Throughput => Work / BackendSeconds;

        public double Target => IsFlops ? KnnTarget : BandwidthTarget;

        /// <summary>The backend's share of <paramref name="peak"/> (FLOP/s or bytes/s), or null when the peak is unknown.</summary>
        public double? ShareOf(Peaks peaks) => (IsFlops ? peaks.Flops : peaks.Bandwidth) is double p and > 0 ? Throughput / p : null;
    }

    /// <summary>The device's FP32 (non-tensor) peak in FLOP/s and memory bandwidth in bytes/s; 0 when unknown.</summary>
    public sealed record Peaks(double Flops, double Bandwidth);

    /// <summary>
    /// A prepared workload: <c>Run</c> does the first <c>units</c> of its work on a backend; <c>Prepare</c> (optional)
    /// runs once per backend before any timing (building an index) and <c>Release</c> frees what it made.
    /// </summary>
    private sealed record Workload(string Operation, string Shape, long Units, double Work, bool IsFlops, Action<ComputeContext, long> Run,
        Action<ComputeContext>? Prepare = null, Action? Release = null);

    /// <summary>Runs every workload at <paramref name="sizes"/> and returns its rows; data is made just before its rows and dropped after.</summary>
    public static List<Row> Run(Sizes sizes, ComputeContext cpu, ComputeContext backend, double cpuBudgetSeconds, Action<string> log)
    {
        var rows = new List<Row>();
        foreach (var prepare in new Func<Sizes, Workload>[] { Knn, QuantileWorkload, ThresholdWorkload, Stitch, Normalize })
        {
            var workload = prepare(sizes);
            try
            {
                foreach (var compute in new[] { backend, cpu }.Distinct())
                    workload.Prepare?.Invoke(compute);
                rows.Add(Time(workload, cpu, backend, cpuBudgetSeconds));
            }
            finally
            {
                workload.Release?.Invoke();
            }
            log($"{workload.Operation}: cpu {Time(rows[^1].CpuSeconds)}, backend {Time(rows[^1].BackendSeconds)}");
            GC.Collect();
        }
        return rows;
    }

    private static Row Time(Workload w, ComputeContext cpu, ComputeContext backend, double budget)
    {
        // A sixty-fourth of the work compiles the kernels (and the CPU path's code), then tells how much of the
        // whole fits the CPU's budget; the CPU then runs that share.
        long probe = Math.Max(1, w.Units / 64);
        w.Run(backend, probe);
        double backendSeconds = Seconds(() => w.Run(backend, w.Units));
        w.Run(cpu, probe);
        double probeSeconds = Seconds(() => w.Run(cpu, probe));
        long units = Math.Clamp((long)(budget / Math.Max(probeSeconds, 1e-9) * probe), probe, w.Units);
        double cpuSeconds = units == probe ? probeSeconds : Seconds(() => w.Run(cpu, units));
        double fraction = units / (double)w.Units;
        return new Row(w.Operation, w.Shape, cpuSeconds / fraction, fraction, backendSeconds, w.Work, w.IsFlops);
    }

    private static double Seconds(Action action)
    {
        var clock = Stopwatch.StartNew();
        action();
        return clock.Elapsed.TotalSeconds;
    }

    private static Workload Knn(Sizes s)
    {
        int d = s.KnnDimension;
        RequireMemory(2L * s.KnnRows * d * sizeof(float), "knn");
        var rows = Uniform((long)s.KnnRows * d, seed: 1, -1, 1);
        var queries = Uniform((long)s.KnnQueries * d, seed: 2, -1, 1);
        // Each backend's index is built once, outside the timing: on a kernel backend its rows stay on the device.
        var indexes = new Dictionary<ComputeContext, ICosineIndex>();
        return new Workload("knn", $"{Count(s.KnnRows)} × {d} rows, {Count(s.KnnQueries)} queries, k {K}", s.KnnQueries,
            2.0 * s.KnnRows * d * s.KnnQueries, true, (c, units) =>
            {
                if (!indexes.TryGetValue(c, out var index))
                    throw new InvalidOperationException("The index of this backend was not built.");
                index.Search(queries.AsSpan(0, checked((int)(units * d))), K);
            }, c =>
            {
                var index = VerifyWorkloads.IndexOn(c, d);
                index.Add(rows);
                indexes[c] = index;
            }, () =>
            {
                foreach (var index in indexes.Values)
                    index.Dispose();
            });
    }

    private static Workload QuantileWorkload(Sizes s)
    {
        RequireMemory(4L * s.Values, "quantile");
        var values = Uniform(s.Values, seed: 3, 0, 1);
        var qs = Enumerable.Range(0, 20).Select(i => 0.80 + 0.01 * i).ToArray();
        return new Workload("quantile", $"{Count(s.Values)} float32 values, 20 quantiles", s.Values, 4.0 * s.Values, false,
            (c, units) => Quantile.Compute(values.AsSpan(0, (int)units), qs, compute: c));
    }

    private static Workload ThresholdWorkload(Sizes s)
    {
        RequireMemory(5L * s.Values, "threshold");
        var values = Uniform(s.Values, seed: 3, 0, 1);
        var ink = new byte[s.Values];
        return new Workload("threshold", $"{Count(s.Values)} float32 values → uint8 mask", s.Values, 5.0 * s.Values, false,
            (c, units) => Threshold.Apply(values.AsSpan(0, (int)units), 0.93, default, ink.AsSpan(0, (int)units), c));
    }

    /// <summary>
    /// The verify row's layout (windows of 256 at stride 128, 64² predictions upsampled 4× bilinearly, Gaussian)
    /// over an S × S map, added a row of windows a call as the ink pipeline adds them (one call with every window
    /// would make each pixel scan all of them); the work unit is a row of windows.
    /// </summary>
    private static Workload Stitch(Sizes s)
    {
        int side = s.StitchSide;
        int window = Math.Clamp(side / 2, 8, 256) / VerifyWorkloads.StitchFactor * VerifyWorkloads.StitchFactor;
        int stride = window / 2, tile = window / VerifyWorkloads.StitchFactor;
        var starts = Enumerable.Range(0, (side - window) / stride + 1).Select(i => i * stride).Append(side - window).Distinct().ToArray();
        long windows = (long)starts.Length * starts.Length;
        // The predictions, the map and the stitcher's two accumulators.
        RequireMemory(4L * windows * tile * tile + 3 * 4L * side * side, "stitch");
        var origins = starts.SelectMany(y => starts.SelectMany(x => new[] { y, x })).ToArray();
        var predictions = Uniform(windows * tile * tile, seed: 4, 0, 1);
        var options = new StitchOptions { Factor = VerifyWorkloads.StitchFactor, Upsampling = StitchUpsampling.Bilinear, Weighting = StitchWeighting.Gaussian };
        int perRow = starts.Length, rowValues = perRow * tile * tile;
        return new Workload("stitch", $"{Count(side)} × {Count(side)} map, {Count(windows)} windows of {window}² from {tile}² predictions (4× bilinear, Gaussian), a row of {perRow} windows a call",
            starts.Length, 4.0 * windows * tile * tile + 4.0 * side * side, false, (c, rowsOfWindows) =>
            {
                int height = starts[(int)rowsOfWindows - 1] + window;
                var stitcher = new SlidingWindowStitcher(height, side, tile, tile, options, c);
                for (int row = 0; row < rowsOfWindows; row++)
                    stitcher.Add(predictions.AsSpan(row * rowValues, rowValues), origins.AsSpan(2 * row * perRow, 2 * perRow));
                stitcher.Finish();
            });
    }

    /// <summary>uint16 patches (the tiler's) scaled by 1/65535 and normalized, <see cref="PatchBatch"/> a call.</summary>
    private static Workload Normalize(Sizes s)
    {
        int length = s.PatchDepth * s.PatchSide * s.PatchSide;
        int batch = Math.Min(PatchBatch, s.Patches);
        RequireMemory(2L * s.Patches * length + 4L * batch * length, "normalize");
        // One array a call: 4,096 patches of 16 × 256² are more values than one .NET array holds.
        var patches = new ushort[(s.Patches + batch - 1) / batch][];
        Parallel.For(0, patches.Length, b =>
        {
            patches[b] = new ushort[(long)Math.Min(batch, s.Patches - b * batch) * length];
            for (int i = 0; i < patches[b].Length; i++)
                patches[b][i] = (ushort)(Hash((ulong)b * (ulong)batch * (ulong)length + (ulong)i, 5) >> 48);
        });
        var output = new float[(long)batch * length];
        return new Workload("normalize", $"{Count(s.Patches)} uint16 patches of {s.PatchDepth} × {s.PatchSide}², {batch} a call", s.Patches,
            6.0 * s.Patches * length, false, (c, units) =>
            {
                for (long p = 0; p < units; p += batch)
                {
                    int n = (int)Math.Min(batch, units - p);
                    PatchNormalization.Normalize(patches[p / batch].AsSpan(0, n * length), length, 65535f, output.AsSpan(0, n * length), c);
                }
            });
    }

    private static void RequireMemory(long bytes, string row) => CommandLine.RequireMemory(bytes, $"verify --timings' {row} row");

    /// <summary>Uniform floats in [<paramref name="low"/>, <paramref name="high"/>) from a hash of each index, filled on every core.</summary>
    private static float[] Uniform(long length, ulong seed, float low, float high)
    {
        var values = new float[length];
        const int chunk = 1 << 20;
        Parallel.For(0, (length + chunk - 1) / chunk, c =>
        {
            long start = c * chunk;
            var span = values.AsSpan().Slice(checked((int)start), (int)Math.Min(chunk, length - start));
            for (int i = 0; i < span.Length; i++)
                span[i] = low + (high - low) * ((Hash((ulong)(start + i), seed) >> 40) * (1f / (1 << 24)));
        });
        return values;
    }

    /// <summary>SplitMix64's finalizer: independent-looking bits for consecutive indexes.</summary>
    private static ulong Hash(ulong index, ulong seed)
    {
        ulong z = index + seed * 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    private static string Count(long n) => n.ToString("N0", CultureInfo.InvariantCulture);

    /// <summary>The Markdown table: times, speed-up, throughput and its share of the peak against the target.</summary>
    public static void WriteMarkdown(TextWriter writer, IReadOnlyList<Row> rows, string backend, Peaks peaks)
    {
        writer.WriteLine($"| operation | size | CPU SIMD ({Environment.ProcessorCount} threads) | {backend} | speed-up | throughput | share of peak | target |");
        writer.WriteLine("| --- | --- | ---: | ---: | ---: | ---: | ---: | --- |");
        foreach (var r in rows)
        {
            string cpu = r.CpuFraction < 1 ? $"{Time(r.CpuSeconds)} (ran {r.CpuFraction:P1}, scaled)" : Time(r.CpuSeconds);
            string throughput = r.IsFlops ? $"{r.Throughput / 1e12:G3} TFLOP/s" : $"{r.Throughput / 1e9:G3} GB/s";
            string share = r.ShareOf(peaks) is double s ? $"{s:P1}" : "— (peak unknown)";
            string target = $"≥ {r.Target:P0} of {(r.IsFlops ? "FP32 peak" : "bandwidth")}" + (r.ShareOf(peaks) is double m ? (m >= r.Target ? ": met" : ": not met") : "");
            writer.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {r.Operation} | {r.Shape} | {cpu} | {Time(r.BackendSeconds)} | {r.CpuSeconds / r.BackendSeconds:G3}× | {throughput} | {share} | {target} |"));
        }
    }

    private static string Time(double seconds) => seconds < 1
        ? string.Create(CultureInfo.InvariantCulture, $"{seconds * 1000:F2} ms")
        : string.Create(CultureInfo.InvariantCulture, $"{seconds:F2} s");
}
