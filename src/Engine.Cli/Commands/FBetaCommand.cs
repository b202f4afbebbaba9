using System.CommandLine;
using Engine.IO;
using Engine.Segmentation;
using Engine.Cli.Results;

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
        var truth = CommandLine.FileOption("--truth", "Ground truth of the same size, e.g. inklabels.png.", required: true);
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
            MapFile.RequireSameDeclaredSize(predictedPath, truthPath, parse.GetValue(mask)?.FullName);
            var prediction = MapFile.ReadMask(predictedPath);
            var labels = MapFile.ReadMaskLike(truthPath, prediction, predictedPath);
            var region = parse.GetValue(mask) is { } maskFile ? MapFile.ReadMaskLike(maskFile.FullName, prediction, predictedPath) : null;
            using var compute = CommandLine.CreateCompute(parse.GetValue(backend)!);
            var scores = FBeta.Score(prediction.Pixels, labels.Pixels, region?.Pixels, parse.GetValue(beta), compute);
            new FBetaResult(scores).Write(stdout, parse.GetValue(json));
            return 0;
        }));
        return command;
    }

    /// <summary>Throws unless β is a positive, finite number.</summary>
    internal static double Beta(double beta) => beta > 0 && double.IsFinite(beta) ? beta
        : throw new ArgumentException($"--beta {beta.ToString(System.Globalization.CultureInfo.InvariantCulture)} must be a positive number (0.5 weighs precision higher, 1 is F1).");
}
