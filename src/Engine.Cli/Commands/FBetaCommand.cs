using System.CommandLine;
using Engine.IO;
using Engine.Segmentation;

namespace Engine.Cli.Commands;

/// <summary><c>engine fbeta</c>: scores a predicted mask against the truth (<see cref="FBeta"/>).</summary>
internal static class FBetaCommand
{
    /// <param name="name">The command's name: <c>fbeta</c>, or <c>score</c> under <c>engine ink</c>, where β = 0.5 is the competition's metric.</param>
    /// <param name="description">What the command's help says.</param>
    public static Command Create(string name = "fbeta",
        string description = "Score a predicted mask against the truth over all pixels at once: F-beta, precision, recall, Dice.")
    {
        var predicted = CommandLine.FileOption("--pred", "Predicted mask (.png, .tif, .npy; non-zero = positive).", required: true);
        var truth = TruthOption();
        var mask = CommandLine.FileOption("--mask", "Region to score (non-zero = counted); by default every pixel.");
        var beta = new Option<double>("--beta") { Description = "β of the F-score (0.5 weighs precision higher).", DefaultValueFactory = _ => 0.5 };
        var json = CommandLine.JsonOption();
        var backend = CommandLine.BackendOption();
        var command = new Command(name, description)
        {
            predicted, truth, mask, beta, json, backend,
        };
        command.SetAction(parse => CommandLine.Execute(parse, stdout =>
        {
            Beta(parse.GetValue(beta));
            string predictedPath = parse.GetValue(predicted)!.FullName, truthPath = parse.GetValue(truth)!.FullName;
            var (prediction, labels, region) = ReadScored(predictedPath, MapFile.ReadMask, truthPath, parse.GetValue(mask)?.FullName);
            using var compute = CommandLine.CreateCompute(parse.GetValue(backend)!);
            var scores = FBeta.Score(prediction.Pixels, labels.Pixels, region?.Pixels, parse.GetValue(beta), compute);
            new FBetaResult(scores).Write(stdout, parse.GetValue(json));
            return 0;
        }));
        return command;
    }

    /// <summary>--truth of fbeta and best-percentile.</summary>
    internal static Option<FileInfo> TruthOption() => CommandLine.FileOption("--truth", "Ground truth of the same size, e.g. inklabels.png.", required: true);

    /// <summary>
    /// The map at <paramref name="mapPath"/> (read by <paramref name="read"/>), the truth and the optional region; the sizes are
    /// compared from the files' headers before any is decoded.
    /// </summary>
    internal static (GrayImage<T> Map, GrayImage<byte> Truth, GrayImage<byte>? Region) ReadScored<T>(string mapPath, Func<string, GrayImage<T>> read,
        string truthPath, string? regionPath)
    {
        MapFile.RequireSameDeclaredSize(mapPath, truthPath, regionPath);
        var map = read(mapPath);
        return (map, MapFile.ReadMaskLike(truthPath, map, mapPath), regionPath is null ? null : MapFile.ReadMaskLike(regionPath, map, mapPath));
    }

    /// <summary>Throws unless β is a positive, finite number.</summary>
    internal static double Beta(double beta) => beta > 0 && double.IsFinite(beta) ? beta
        : throw new ArgumentException($"--beta {beta.ToString(System.Globalization.CultureInfo.InvariantCulture)} must be a positive number (0.5 weighs precision higher, 1 is F1).");
}
