using System.Globalization;
using Engine.Torch.Ink;

namespace Engine.Cli.Plots;

/// <summary>
/// An ink training run's curves as a PNG: the mean training loss per epoch (left axis) and, when the run validates,
/// the held-out F0.5 at the best percentile (right axis, 0 to 1), the saved (best) epoch marked.
/// </summary>
internal static class TrainingCurvesPlot
{
    /// <summary>The file's name in each checkpoint directory.</summary>
    public const string FileName = "training-curves.png";

    public const int Width = 900, Height = 550;

    /// <summary>Writes the curves beside the saved model and, when there is one, beside the last epoch's in <c>last/</c>.</summary>
    /// <exception cref="IOException">A file cannot be written.</exception>
    public static void WriteBesideCheckpoints(InkTrainingResult result)
    {
        foreach (string directory in new[] { result.ModelDirectory, Path.Combine(result.ModelDirectory, "last") })
        {
            if (Directory.Exists(directory))
                Write(result.Epochs, result.BestEpoch, Path.Combine(directory, FileName));
        }
    }

    /// <summary>Writes the curves of <paramref name="epochs"/> to <paramref name="path"/>.</summary>
    /// <param name="epochs">The epochs, in order.</param>
    /// <param name="bestEpoch">The saved model's epoch (from 1), marked on the plot.</param>
    /// <param name="path">The PNG to write.</param>
    /// <exception cref="IOException">The file cannot be written.</exception>
    public static void Write(IReadOnlyList<InkEpoch> epochs, int bestEpoch, string path)
    {
        var plot = new ScottPlot.Plot();
        double[] x = epochs.Select(e => (double)e.Epoch).ToArray();
        var loss = plot.Add.Scatter(x, epochs.Select(e => e.Loss).ToArray());
        loss.LegendText = "training loss (BCE + soft F0.5, mean over the epoch)";
        loss.LineWidth = 2;
        plot.Axes.Left.Label.Text = "Training loss";
        plot.Axes.Bottom.Label.Text = "Epoch";
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { IntegerTicksOnly = true };

        var validated = epochs.Where(e => e.Validation is not null).ToArray();
        string title = "Ink training";
        if (validated.Length > 0)
        {
            var f05 = plot.Add.Scatter(validated.Select(e => (double)e.Epoch).ToArray(), validated.Select(e => e.Validation!.FBeta).ToArray());
            f05.LegendText = "validation F0.5 (best percentile, held-out strip)";
            f05.LineWidth = 2;
            f05.Axes.YAxis = plot.Axes.Right;
            plot.Axes.Right.Label.Text = "Validation F0.5";
            plot.Axes.SetLimitsY(0, 1, plot.Axes.Right);
            var best = validated.FirstOrDefault(e => e.Epoch == bestEpoch);
            if (best is not null)
            {
                var line = plot.Add.VerticalLine(bestEpoch, 1.5f, ScottPlot.Colors.Gray, ScottPlot.LinePattern.Dashed);
                line.LegendText = string.Create(CultureInfo.InvariantCulture, $"saved model: epoch {bestEpoch}, F0.5 {best.Validation!.FBeta:F3}");
            }
            title = string.Create(CultureInfo.InvariantCulture, $"Ink training: {epochs.Count} epochs, best validation F0.5 {validated.Max(e => e.Validation!.FBeta):F3}");
        }
        plot.Title(title);
        plot.ShowLegend(ScottPlot.Alignment.UpperCenter);
        PlotFile.WritePng(plot, path, Width, Height);
    }
}
