using System.Globalization;

namespace Engine.Cli.Plots;

/// <summary>
/// A new_individual threshold sweep as a PNG: MAP@5 of the kNN identity ranking for each candidate threshold
/// (new_individual inserted before the first identity scoring below it), the best candidate marked.
/// </summary>
internal static class ThresholdSweepPlot
{
    public const int Width = 900, Height = 550;

    /// <summary>Writes MAP@5 over <paramref name="thresholds"/>.</summary>
    /// <param name="thresholds">The candidates, ascending.</param>
    /// <param name="maps">MAP@5 of each candidate.</param>
    /// <param name="best">The chosen threshold, marked.</param>
    /// <param name="title">What was swept, for the title.</param>
    /// <param name="path">The PNG to write.</param>
    /// <exception cref="IOException">The file cannot be written.</exception>
    public static void Write(IReadOnlyList<double> thresholds, IReadOnlyList<double> maps, double best, string title, string path)
    {
        var plot = new ScottPlot.Plot();
        var curve = plot.Add.Scatter(thresholds.ToArray(), maps.ToArray());
        curve.LineWidth = 2;
        curve.MarkerSize = 4;
        curve.LegendText = "MAP@5";
        var line = plot.Add.VerticalLine(best, 2f, ScottPlot.Colors.Red, ScottPlot.LinePattern.Dashed);
        line.LegendText = string.Create(CultureInfo.InvariantCulture, $"best threshold {best:F2}: MAP@5 {maps.Max():F4}");
        plot.Axes.Bottom.Label.Text = "new_individual threshold (cosine similarity)";
        plot.Axes.Left.Label.Text = "MAP@5";
        plot.Axes.SetLimitsY(0, 1);
        plot.Title(title);
        plot.ShowLegend(ScottPlot.Alignment.UpperLeft);
        PlotFile.WritePng(plot, path, Width, Height);
    }
}
