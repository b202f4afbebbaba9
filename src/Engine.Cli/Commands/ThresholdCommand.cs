using System.CommandLine;
using System.Diagnostics;
using Engine.IO;
using Engine.Segmentation;

namespace Engine.Cli.Commands;

/// <summary><c>engine threshold</c>: a probability map to an ink mask at a percentile (<see cref="Quantile"/> + <see cref="Threshold"/>).</summary>
internal static class ThresholdCommand
{
    public static Command Create()
    {
        var input = CommandLine.FileOption("--input", "Probability map: .npy (H×W float32, or float64/integers converted), .tif/.tiff (first page, values as stored) or .png (8-bit gray ÷ 255).", required: true);
        var mask = CommandLine.FileOption("--mask", "Fragment mask of the same size (.png, .tif, .npy; non-zero = inside): the percentile is over pixels inside, and pixels outside are never ink.");
        var percentile = new Option<double>("--percentile")
        {
            Description = "The share of pixels (inside the mask) that are not ink, as a fraction in [0, 1]: 0.93 keeps the top 7%.",
            Required = true,
        };
        var output = CommandLine.FileOption("--out", "Ink mask to write: .png (0/255) or .npy (uint8 0/1).", required: true);
        var ignoreNaN = new Option<bool>("--ignore-nan") { Description = "Skip NaN pixels like numpy.nanquantile (by default a NaN is an error)." };
        var json = CommandLine.JsonOption();
        var backend = CommandLine.BackendOption();
        var command = new Command("threshold", "Threshold a probability map at a percentile: threshold = numpy.quantile(probs[mask], p), ink = probs > threshold inside the mask.")
        {
            input, mask, percentile, output, ignoreNaN, json, backend,
        };
        command.SetAction(parse => CommandLine.Execute(parse, stdout =>
        {
            double p = parse.GetValue(percentile);
            if (!(p >= 0 && p <= 1))
                throw new ArgumentException($"--percentile {p} is outside [0, 1]; give a fraction, e.g. 0.93 for the 93rd percentile.");
            var clock = Stopwatch.StartNew();
            string inputPath = parse.GetValue(input)!.FullName;
            MapFile.RequireSameDeclaredSize(inputPath, parse.GetValue(mask)?.FullName);
            var probabilities = MapFile.ReadProbabilities(inputPath);
            var fragment = parse.GetValue(mask) is { } maskFile ? MapFile.ReadMaskLike(maskFile.FullName, probabilities, inputPath) : null;
            double readSeconds = clock.Elapsed.TotalSeconds;

            using var compute = CommandLine.CreateCompute(parse.GetValue(backend)!);
            clock.Restart();
            double threshold;
            try
            {
                threshold = Quantile.Compute(probabilities.Pixels, p, fragment?.Pixels, parse.GetValue(ignoreNaN), compute);
            }
            catch (QuantileNaNException e)
            {
                throw InputErrors.NaN(e, inputPath, probabilities.Width, "--ignore-nan");
            }
            double quantileSeconds = clock.Elapsed.TotalSeconds;
            clock.Restart();
            var ink = new byte[probabilities.Pixels.Length];
            long positives = Threshold.Apply(probabilities.Pixels, threshold, fragment?.Pixels, ink, compute);
            double thresholdSeconds = clock.Elapsed.TotalSeconds;

            clock.Restart();
            string outPath = parse.GetValue(output)!.FullName;
            MapFile.WriteMask(outPath, new GrayImage<byte>(probabilities.Width, probabilities.Height, ink));
            double writeSeconds = clock.Elapsed.TotalSeconds;

            long selected = fragment is null ? ink.Length : fragment.Pixels.Count(b => b != 0);
            new ThresholdResult(inputPath, parse.GetValue(mask)?.FullName, p, threshold, probabilities.Height, probabilities.Width,
                selected, positives, outPath, compute.Backend.ToString(),
                new ThresholdResult.StageSeconds(readSeconds, quantileSeconds, thresholdSeconds, writeSeconds))
            {
                BackendDescription = compute.Description,
            }.Write(stdout, parse.GetValue(json));
            return 0;
        }));
        return command;
    }
}
