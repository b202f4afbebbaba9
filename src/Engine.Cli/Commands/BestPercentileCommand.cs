using System.CommandLine;
using System.Globalization;
using Engine.IO;
using Engine.Segmentation;

namespace Engine.Cli.Commands;

/// <summary><c>engine best-percentile</c>: scores every candidate percentile threshold and picks the best (<see cref="BestPercentile"/>).</summary>
internal static class BestPercentileCommand
{
    public static Command Create()
    {
        var probabilities = CommandLine.FileOption("--probs", "Probability map (as for threshold --input).", required: true);
        var truth = FBetaCommand.TruthOption();
        var mask = CommandLine.FileOption("--mask", "Fragment mask (non-zero = inside): quantiles and scores use pixels inside only.");
        var from = new Option<double>("--from") { Description = "Lowest candidate percentile, a fraction.", DefaultValueFactory = _ => 0.80 };
        var to = new Option<double>("--to") { Description = "Highest candidate percentile (included).", DefaultValueFactory = _ => 0.99 };
        var step = new Option<double>("--step") { Description = "Spacing of the candidates.", DefaultValueFactory = _ => 0.01 };
        var beta = new Option<double>("--beta") { Description = "β of the F-score.", DefaultValueFactory = _ => 0.5 };
        var json = CommandLine.JsonOption();
        var backend = CommandLine.BackendOption();
        var command = new Command("best-percentile", "Score every candidate percentile threshold (from, from + step, …, to) against the truth in one pass and report the best F-beta.")
        {
            probabilities, truth, mask, from, to, step, beta, json, backend,
        };
        command.SetAction(parse => CommandLine.Execute(parse, stdout =>
        {
            var candidates = Candidates(parse.GetValue(from), parse.GetValue(to), parse.GetValue(step));
            FBetaCommand.Beta(parse.GetValue(beta));
            string mapPath = parse.GetValue(probabilities)!.FullName, truthPath = parse.GetValue(truth)!.FullName;
            var (map, labels, region) = FBetaCommand.ReadScored(mapPath, MapFile.ReadProbabilities, truthPath, parse.GetValue(mask)?.FullName);
            using var compute = CommandLine.CreateCompute(parse.GetValue(backend)!);
            PercentileSweep sweep;
            try
            {
                sweep = BestPercentile.Find(map.Pixels, labels.Pixels, candidates, region?.Pixels, parse.GetValue(beta), compute);
            }
            catch (QuantileNaNException e)
            {
                throw InputErrors.NaN(e, mapPath, map.Width, flag: null);
            }
            new BestPercentileResult(sweep, parse.GetValue(beta)).Write(stdout, parse.GetValue(json));
            return 0;
        }));
        return command;
    }

    /// <summary>from, from + step, …, up to <paramref name="to"/>, rounded to 10 decimals so 0.80 + 3 × 0.01 is 0.83.</summary>
    private static double[] Candidates(double from, double to, double step)
    {
        if (!(step > 0) || !(from >= 0) || !(to <= 1) || from > to)
            throw new ArgumentException($"--from {from.ToString(CultureInfo.InvariantCulture)} --to {to.ToString(CultureInfo.InvariantCulture)} --step {step.ToString(CultureInfo.InvariantCulture)} does not describe candidates in [0, 1] (need 0 ≤ from ≤ to ≤ 1 and step > 0).");
        // Each candidate is a selection over the whole map; 10,001 is a step of 0.0001 over [0, 1], finer than any map needs.
        double candidates = Math.Floor((to - from) / step + 1e-9) + 1;
        if (candidates > 10_001)
            throw new ArgumentException($"--step {step.ToString(CultureInfo.InvariantCulture)} makes {candidates:G3} candidates from --from {from.ToString(CultureInfo.InvariantCulture)} to --to {to.ToString(CultureInfo.InvariantCulture)}; at most 10,001 (a step of 0.0001 over [0, 1]).");
        int count = (int)candidates;
        return Enumerable.Range(0, count).Select(i => Math.Round(from + i * step, 10)).ToArray();
    }
}
