using System.CommandLine;

namespace Engine.Cli.Commands;

/// <summary><c>engine ink</c>: ink detection on a fragment's TIFF stack, from training to the thresholded map and its score.</summary>
internal static class InkCommand
{
    public static Command Create() => new("ink", "Ink detection on a fragment's slices: train a model, run it over a whole fragment, score the result.")
    {
        InkTrainCommand.Create(),
        FBetaCommand.Create("score", "Score a predicted ink mask against inklabels.png within mask.png: F0.5 (the competition's metric), precision, recall, Dice."),
        InkInferCommand.Create(),
    };
}
