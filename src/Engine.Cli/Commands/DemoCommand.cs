using System.CommandLine;
using System.Diagnostics;
using Engine.Cli.Demo;
using Engine.IO;
using Engine.Segmentation;

namespace Engine.Cli.Commands;

/// <summary>
/// <c>engine demo</c>, the main job on an embedded default: a synthetic fragment's probability map is thresholded at
/// the percentile that scores best on one half and scored on the other, with the pictures written.
/// </summary>
internal static class DemoCommand
{
    public static Command Create()
    {
        var output = new Option<DirectoryInfo>("--out") { Description = "Folder for the PNGs.", DefaultValueFactory = _ => new DirectoryInfo("out/demo") };
        var size = new Option<int>("--size") { Description = "Height and width of the synthetic fragment in pixels.", DefaultValueFactory = _ => 2048 };
        var seed = new Option<int>("--seed") { Description = "Seed of the synthetic fragment.", DefaultValueFactory = _ => 1 };
        var json = CommandLine.JsonOption();
        var backend = CommandLine.BackendOption();
        var command = new Command("demo", "Run the main job on a synthetic fragment: find the best percentile threshold on the left half, threshold the map, score F0.5 on the held-out right half, write PNGs.")
        {
            output, size, seed, json, backend,
        };
        command.SetAction(parse => CommandLine.Execute(parse, stdout =>
        {
            int side = parse.GetValue(size);
            if (side < 64 || side > 16_384)
                throw new ArgumentException($"--size {side} is outside 64 … 16384.");
            var folder = parse.GetValue(output)!;
            folder.Create();
            var stages = new List<(string Stage, double Seconds)>();
            var clock = Stopwatch.StartNew();
            void Stage(string name)
            {
                stages.Add((name, clock.Elapsed.TotalSeconds));
                clock.Restart();
            }
            bool text = !parse.GetValue(json);
            if (text)
                stdout.WriteLine($"Synthetic fragment {side} × {side} (seed {parse.GetValue(seed)}) …");

            var map = SyntheticInkMap.Create(side, side, parse.GetValue(seed));
            Stage("generate");

            // Tune on the left half, judge on the right: the percentile must generalize, as it must across fragments.
            var left = new byte[map.Mask.Length];
            var right = new byte[map.Mask.Length];
            for (int i = 0; i < map.Mask.Length; i++)
            {
                bool isLeft = i % side < side / 2;
                left[i] = (byte)(isLeft ? map.Mask[i] : 0);
                right[i] = (byte)(isLeft ? 0 : map.Mask[i]);
            }
            using var compute = CommandLine.CreateCompute(parse.GetValue(backend)!);
            var candidates = Enumerable.Range(0, 20).Select(i => Math.Round(0.80 + 0.01 * i, 2)).ToArray();
            var sweep = BestPercentile.Find(map.Probabilities, map.Truth, candidates, left, 0.5, compute);
            Stage("best percentile (left half)");

            double threshold = Quantile.Compute(map.Probabilities, sweep.BestQuantile, map.Mask, compute: compute);
            Stage("quantile");
            var ink = new byte[map.Probabilities.Length];
            long positives = Threshold.Apply(map.Probabilities, threshold, map.Mask, ink, compute);
            Stage("threshold");
            var heldOut = FBeta.Score(ink, map.Truth, right, 0.5, compute);
            var trivial = FBeta.Score(map.Mask, map.Truth, right, 0.5, compute);
            Stage("score (right half)");

            string Path(string name) => System.IO.Path.Combine(folder.FullName, name);
            MapFile.WriteProbabilities(Path("prob.png"), new GrayImage<float>(side, side, map.Probabilities));
            MapFile.WriteMask(Path("ink.png"), new GrayImage<byte>(side, side, ink));
            MapFile.WriteMask(Path("inklabels.png"), new GrayImage<byte>(side, side, map.Truth));
            MapFile.WriteMask(Path("mask.png"), new GrayImage<byte>(side, side, map.Mask));
            InkOverlay.Write(Path("overlay.png"), new GrayImage<float>(side, side, map.Probabilities), ink, map.Truth);
            Stage("write PNGs");

            if (!text)
            {
                CommandLine.WriteJson(stdout, new
                {
                    size = side,
                    backend = compute.Backend.ToString(),
                    bestPercentile = sweep.BestQuantile,
                    threshold,
                    positives,
                    heldOutFBeta = heldOut.FBeta,
                    heldOutPrecision = heldOut.Precision,
                    heldOutRecall = heldOut.Recall,
                    allInkFBeta = trivial.FBeta,
                    output = folder.FullName,
                    seconds = stages.ToDictionary(s => s.Stage, s => s.Seconds),
                });
                return 0;
            }
            stdout.WriteLine($"best percentile on the left half: {sweep.BestQuantile:F2} (F0.5 {sweep.Best.FBeta:F4} there)");
            stdout.WriteLine($"threshold {threshold:F6}: {CommandLine.Count(positives)} ink pixels of {CommandLine.Count(map.Mask.Count(b => b != 0))} in the fragment");
            stdout.WriteLine($"held-out F0.5 (right half): {heldOut.FBeta:F4}  precision {heldOut.Precision:F4}  recall {heldOut.Recall:F4}  (calling everything ink: {trivial.FBeta:F4})");
            stdout.WriteLine($"wrote prob.png, ink.png, inklabels.png, mask.png, overlay.png to {folder.FullName}");
            stdout.WriteLine("time: " + string.Join(", ", stages.Select(s => $"{s.Stage} {s.Seconds * 1000:F0} ms")) + $" ({compute.Description})");
            return 0;
        }));
        return command;
    }
}
