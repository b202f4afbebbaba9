using System.CommandLine;
using System.Diagnostics;
using Engine.Cli.Demo;
using Engine.Compute;
using Engine.Segmentation;

namespace Engine.Cli.Commands;

/// <summary>
/// <c>engine verify</c>: runs every operation on a backend and on the CPU SIMD path over the same synthetic map and
/// checks that the answers are identical, timing both — the check to run on a GPU machine.
/// </summary>
internal static class VerifyCommand
{
    public static Command Create()
    {
        var size = new Option<int>("--size") { Description = "Height and width of the synthetic map.", DefaultValueFactory = _ => 1024 };
        var json = CommandLine.JsonOption();
        var backend = CommandLine.BackendOption();
        var command = new Command("verify", "Check that a backend (e.g. --backend cuda) gives the CPU SIMD path's answers on a synthetic map, and time both.")
        {
            size, json, backend,
        };
        command.SetAction(parse => CommandLine.Execute(parse, stdout =>
        {
            int side = parse.GetValue(size);
            if (side < 16 || side > 16_384)
                throw new ArgumentException($"--size {side} is outside 16 … 16384.");
            var map = SyntheticInkMap.Create(side, side, seed: 3);
            var candidates = Enumerable.Range(0, 20).Select(i => Math.Round(0.80 + 0.01 * i, 2)).ToArray();
            using var cpu = new ComputeContext(ComputeBackend.Cpu);
            using var other = CommandLine.CreateCompute(parse.GetValue(backend)!);
            if (!other.UsesKernels)
                parse.InvocationConfiguration.Error.WriteLine($"engine: note: --backend {parse.GetValue(backend)} runs the CPU SIMD path, so this compares it with itself; use --backend cuda or ilgpu-cpu to check the kernels.");

            var rows = new List<(string Operation, bool Same, double CpuSeconds, double OtherSeconds)>();
            void Check<T>(string operation, Func<ComputeContext, T> run, Func<T, T, bool> same)
            {
                run(other); // the first call compiles the kernels; time the second
                var clock = Stopwatch.StartNew();
                var expected = run(cpu);
                double cpuSeconds = clock.Elapsed.TotalSeconds;
                clock.Restart();
                var actual = run(other);
                rows.Add((operation, same(expected, actual), cpuSeconds, clock.Elapsed.TotalSeconds));
            }
            Check("quantile", c => Quantile.Compute(map.Probabilities, candidates, map.Mask, compute: c), (a, b) => a.AsSpan().SequenceEqual(b));
            double threshold = Quantile.Compute(map.Probabilities, 0.93, map.Mask);
            Check("threshold", c => Threshold.Apply(map.Probabilities, threshold, map.Mask, c), (a, b) => a.Positives == b.Positives && a.Ink.AsSpan().SequenceEqual(b.Ink));
            var ink = Threshold.Apply(map.Probabilities, threshold, map.Mask).Ink;
            Check("fbeta", c => FBeta.Score(ink, map.Truth, map.Mask, 0.5, c), (a, b) => a == b);
            Check("best-percentile", c => BestPercentile.Find(map.Probabilities, map.Truth, candidates, map.Mask, 0.5, c), (a, b) => a.Scores.AsSpan().SequenceEqual(b.Scores) && a.Thresholds.AsSpan().SequenceEqual(b.Thresholds));

            bool allSame = rows.All(r => r.Same);
            if (parse.GetValue(json))
            {
                CommandLine.WriteJson(stdout, new
                {
                    backend = other.Description,
                    pixels = map.Probabilities.Length,
                    identical = allSame,
                    operations = rows.Select(r => new { operation = r.Operation, identical = r.Same, cpuSeconds = r.CpuSeconds, backendSeconds = r.OtherSeconds }),
                });
            }
            else
            {
                stdout.WriteLine($"{side} × {side} map; CPU SIMD vs {other.Description}");
                foreach (var r in rows)
                    stdout.WriteLine($"{r.Operation,-16} {(r.Same ? "identical" : "DIFFERENT"),-10} cpu {r.CpuSeconds * 1000,9:F2} ms   backend {r.OtherSeconds * 1000,9:F2} ms");
            }
            if (!allSame)
                parse.InvocationConfiguration.Error.WriteLine("engine: error: the backend's answers differ from the CPU SIMD path's");
            return allSame ? 0 : 1;
        }));
        return command;
    }
}
