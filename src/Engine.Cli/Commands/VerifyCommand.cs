using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Engine.Cli.Demo;
using Engine.Compute;
using Engine.Detection;
using Engine.Search;
using Engine.Volumes;
using Engine.Segmentation;
using Engine.Torch.Ink;

namespace Engine.Cli.Commands;

/// <summary>
/// <c>engine verify</c>: runs every kernel-backed operation on a backend and on the CPU SIMD path over the same
/// synthetic inputs and checks each answer against what the operation promises on every backend (bit-identical, or
/// within 1 ulp for normalization), timing both — the check to run on a GPU machine.
/// </summary>
internal static class VerifyCommand
{
    public static Command Create()
    {
        var size = new Option<int>("--size") { Description = "S, the workloads' scale: an S × S map (quantile, threshold, fbeta, best-percentile; stitch: windows of clamp(S/2, 8, 256) at half-window stride, 4× bilinear, Gaussian), max(1, S/4) images × 3 models × 24 boxes in 4 labels (wbf), 32·S rows × max(4, S/8) queries of 128 floats, k 10 (cosine-top-k), max(2, S/8) patches of 32³ (normalize), a clamp(S/4, 96, 2048)² × 16-slice fragment (ink-inference).", DefaultValueFactory = _ => 1024 };
        var json = CommandLine.JsonOption();
        var backend = CommandLine.BackendOption();
        var timings = new Option<string?>("--timings") { Description = "After the checks, time each operation at a size where a GPU matters on both paths: gpu (kNN 1,000,000 × 512 with 10,000 queries; 10⁹ values for quantile and threshold; a 32,768² stitched map; 4,096 patches of 16 × 256²) or small (the same rows in seconds on the emulator)." };
        var cpuSeconds = new Option<double>("--cpu-seconds") { Description = "--timings: the most a CPU reference row may take; beyond it the CPU runs a prefix of the work and its time is scaled up.", DefaultValueFactory = _ => 30 };
        var peakTflops = new Option<double>("--peak-tflops") { Description = "--timings: the device's FP32 (non-tensor) peak in TFLOP/s, for kNN's share of it; 0: unknown.", DefaultValueFactory = _ => 0 };
        var peakBandwidth = new Option<double>("--peak-bandwidth") { Description = "--timings: the device's memory bandwidth in GB/s, for the other rows' share of it; 0: unknown.", DefaultValueFactory = _ => 0 };
        var markdown = CommandLine.FileOption("--markdown", "Also write the checks (and --timings' table) as Markdown to this file.");
        var command = new Command("verify", "Check that a backend (e.g. --backend cuda) gives the CPU SIMD path's answers for every kernel-backed operation on synthetic inputs (bit-identical, or within the operation's stated tolerance), and time both.")
        {
            size, json, backend, timings, cpuSeconds, peakTflops, peakBandwidth, markdown,
        };
        command.SetAction(parse => CommandLine.Execute(parse, stdout =>
        {
            int side = parse.GetValue(size);
            if (side < 16 || side > 16_384)
                throw new ArgumentException($"--size {side} is outside 16 … 16384.");
            var sizes = parse.GetValue(timings) is { } timingsText ? Choice.Parse("--timings", timingsText, ("gpu", VerifyTimings.Gpu), ("small", VerifyTimings.Small)) : null;
            double budget = parse.GetValue(cpuSeconds);
            if (!(budget > 0 && double.IsFinite(budget)))
                throw new ArgumentException($"--cpu-seconds {budget.ToString(CultureInfo.InvariantCulture)} must be a positive number of seconds.");
            var peaks = new VerifyTimings.Peaks(Peak(parse.GetValue(peakTflops), "--peak-tflops") * 1e12, Peak(parse.GetValue(peakBandwidth), "--peak-bandwidth") * 1e9);
            var map = SyntheticInkMap.Create(side, side, seed: 3);
            var candidates = Enumerable.Range(0, 20).Select(i => Math.Round(0.80 + 0.01 * i, 2)).ToArray();
            using var cpu = new ComputeContext(ComputeBackend.Cpu);
            using var other = CommandLine.CreateCompute(parse.GetValue(backend)!);
            if (!other.UsesKernels)
                parse.InvocationConfiguration.Error.WriteLine($"engine: note: --backend {parse.GetValue(backend)} runs the CPU SIMD path, so this compares it with itself; use --backend cuda or ilgpu-cpu to check the kernels.");

            var rows = new List<VerifyResult.Check>();
            void Check<T>(string operation, Func<ComputeContext, T> run, Func<T, T, Comparison> compare)
            {
                run(other); // the first call compiles the kernels; time the second
                var clock = Stopwatch.StartNew();
                var expected = run(cpu);
                double cpuSeconds = clock.Elapsed.TotalSeconds;
                clock.Restart();
                var actual = run(other);
                double otherSeconds = clock.Elapsed.TotalSeconds;
                var c = compare(expected, actual);
                rows.Add(new VerifyResult.Check(operation, c.Identical, c.Pass, c.Tolerance, c.Difference, c.Unit, cpuSeconds, otherSeconds));
            }
            static Comparison Exact(bool same) => new(same, same, "exact", null, null);
            Check("quantile", c => Quantile.Compute(map.Probabilities, candidates, map.Mask, compute: c), (a, b) => Exact(a.AsSpan().SequenceEqual(b)));
            double threshold = Quantile.Compute(map.Probabilities, 0.93, map.Mask);
            Check("threshold", c => Threshold.Apply(map.Probabilities, threshold, map.Mask, c), (a, b) => Exact(a.Positives == b.Positives && a.Ink.AsSpan().SequenceEqual(b.Ink)));
            var ink = Threshold.Apply(map.Probabilities, threshold, map.Mask).Ink;
            Check("fbeta", c => FBeta.Score(ink, map.Truth, map.Mask, 0.5, c), (a, b) => Exact(a == b));
            Check("best-percentile", c => BestPercentile.Find(map.Probabilities, map.Truth, candidates, map.Mask, 0.5, c), (a, b) => Exact(a.Scores.AsSpan().SequenceEqual(b.Scores) && a.Thresholds.AsSpan().SequenceEqual(b.Thresholds)));

            var detections = VerifyWorkloads.Detections(side);
            Check("wbf", c => WeightedBoxesFusion.Fuse(detections, compute: c), (a, b) => Exact(a.ImageStarts.AsSpan().SequenceEqual(b.ImageStarts)
                && a.Boxes.AsSpan().SequenceEqual(b.Boxes) && a.Scores.AsSpan().SequenceEqual(b.Scores) && a.Labels.AsSpan().SequenceEqual(b.Labels)));

            var (embeddings, queries) = VerifyWorkloads.Embeddings(side);
            // As an index is kept: rows added in three calls with ids, every fifth removed, then searched; the
            // backend's index holds its rows on the device (DeviceCosineIndex) when it runs kernels.
            var indexes = new[] { cpu, other }.Distinct().ToDictionary(c => c, c => VerifyWorkloads.IndexOn(c, VerifyWorkloads.SearchDimension));
            long rowCount = embeddings.LongLength / VerifyWorkloads.SearchDimension;
            var ids = Enumerable.Range(0, (int)rowCount).Select(i => 1_000L + i).ToArray();
            foreach (var index in indexes.Values)
            {
                for (int part = 0; part < 3; part++)
                {
                    int from = (int)(rowCount * part / 3), to = (int)(rowCount * (part + 1) / 3);
                    index.Add(embeddings.AsSpan(from * VerifyWorkloads.SearchDimension, (to - from) * VerifyWorkloads.SearchDimension), ids.AsSpan(from, to - from));
                }
                index.Remove(ids.Where((_, i) => i % 5 == 0).ToArray());
            }
            try
            {
                Check("cosine-top-k", c => indexes[c].Search(queries, VerifyWorkloads.SearchK), (a, b) => Exact(a.Scores.AsSpan().SequenceEqual(b.Scores) && a.Ids.AsSpan().SequenceEqual(b.Ids)));
            }
            finally
            {
                foreach (var index in indexes.Values)
                    index.Dispose();
            }

            // Exact on every backend (on CUDA through mul.rn, docs/gpu.md); should a GPU still differ, report by how much.
            var (predictions, origins, window, options) = VerifyWorkloads.Windows(side);
            int tile = window / VerifyWorkloads.StitchFactor;
            Check("stitch", c => SlidingWindowStitcher.Stitch(predictions, origins, side, side, tile, tile, options, compute: c), (a, b) =>
            {
                bool same = a.AsSpan().SequenceEqual(b);
                return same ? Exact(true) : new(false, false, "exact", VerifyWorkloads.MaxAbsDifference(a, b), "max abs");
            });

            // Normalization promises 1 float32 ulp of the float64 formula: its sums are added in another order on a kernel.
            var patches = VerifyWorkloads.Patches(side);
            Check("normalize", c =>
            {
                var output = new float[patches.Length];
                PatchNormalization.Normalize(patches, VerifyWorkloads.PatchLength, output, c);
                return output;
            }, (a, b) =>
            {
                long ulps = VerifyWorkloads.MaxUlps(a, b);
                return new(ulps == 0, ulps <= 1, "1 ulp", ulps, "max ulps");
            });

            // A whole ink inference over a generated fragment: the engine's stages (read, tile, normalize, stitch,
            // quantile, threshold) on each backend around a predictor without TorchSharp; the written maps must match.
            var (fragmentOptions, inkInput) = VerifyWorkloads.InkFragment(side);
            string scratch = Directory.CreateTempSubdirectory("engine-verify-").FullName;
            try
            {
                SyntheticFragment.Write(Path.Combine(scratch, "fragment"), fragmentOptions);
                var plans = new[] { cpu, other }.Distinct().ToDictionary(c => c, c => InkInferencePlan.Create(Path.Combine(scratch, "fragment"), inkInput,
                    new InkInferenceOptions { Stride = 32, Compute = c.UsesKernels ? c : null }));
                int run = 0;
                Check("ink-inference", c =>
                {
                    var result = InkInference.Run(plans[c], new CellMeanPredictor(inkInput), Path.Combine(scratch, $"run{run++}"));
                    return (Probabilities: File.ReadAllBytes(result.ProbabilityNpy), Ink: File.ReadAllBytes(result.InkPng));
                }, (a, b) => Exact(a.Probabilities.AsSpan().SequenceEqual(b.Probabilities) && a.Ink.AsSpan().SequenceEqual(b.Ink)));
            }
            finally
            {
                Directory.Delete(scratch, recursive: true);
            }

            bool pass = rows.All(r => r.Pass);
            var error = parse.InvocationConfiguration.Error;
            var timed = sizes is null ? [] : VerifyTimings.Run(sizes, cpu, other, budget, line => error.WriteLine($"engine: timed {line}"));
            if (parse.GetValue(markdown) is { } markdownFile)
            {
                Engine.IO.AtomicFile.Write(markdownFile.FullName, stream =>
                {
                    using var writer = new StreamWriter(stream, leaveOpen: true);
                    WriteMarkdown(writer, rows, side, other.Description, cpu.Description);
                    if (timed.Count > 0)
                    {
                        writer.WriteLine();
                        VerifyTimings.WriteMarkdown(writer, timed, other.Description, peaks);
                    }
                });
            }
            new VerifyResult(Backend: other.Description, Size: side, Pixels: map.Probabilities.Length, Identical: rows.All(r => r.Identical), Pass: pass,
                Timings: timed.Select(t => new VerifyResult.Timing(t, peaks)).ToArray(), Operations: rows)
            {
                TimingTable = (timed, peaks),
            }.Write(stdout, parse.GetValue(json));
            if (!pass)
                error.WriteLine("engine: error: the backend's answers differ from the CPU SIMD path's beyond their tolerance");
            return pass ? 0 : 1;
        }));
        return command;
    }

    private static double Peak(double value, string option) => value >= 0 && double.IsFinite(value) ? value
        : throw new ArgumentException($"{option} {value.ToString(CultureInfo.InvariantCulture)} must be a non-negative number (0: unknown).");

    private static void WriteMarkdown(TextWriter writer, List<VerifyResult.Check> rows, int side, string backend, string cpu)
    {
        writer.WriteLine($"`engine verify --size {side}`: {backend} against {cpu}");
        writer.WriteLine();
        writer.WriteLine("| operation | answer | tolerance | difference | CPU SIMD | backend |");
        writer.WriteLine("| --- | --- | --- | --- | ---: | ---: |");
        foreach (var r in rows)
        {
            string verdict = r.Pass ? r.Verdict : $"**{r.Verdict}**";
            string difference = r.Difference is { } d ? $"{r.DifferenceUnit} {d:G4}" : "—";
            writer.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {r.Operation} | {verdict} | {r.Tolerance} | {difference} | {r.CpuSeconds * 1000:F2} ms | {r.BackendSeconds * 1000:F2} ms |"));
        }
    }

    /// <summary>How a backend's answer compares with the CPU SIMD path's.</summary>
    /// <param name="Identical">Bit for bit the same.</param>
    /// <param name="Pass">Within the operation's promise (<paramref name="Tolerance"/>).</param>
    /// <param name="Tolerance">What the operation promises on every backend.</param>
    /// <param name="Difference">The measured difference when it is reported (null when not).</param>
    /// <param name="Unit">What <paramref name="Difference"/> counts.</param>
    private sealed record Comparison(bool Identical, bool Pass, string Tolerance, double? Difference, string? Unit);
}
