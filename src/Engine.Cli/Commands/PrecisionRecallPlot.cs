using System.Globalization;
using Engine.Detection;

namespace Engine.Cli.Commands;

/// <summary>
/// Precision–recall curves of a COCO evaluation as a PNG (ScottPlot 5): one curve per IoU threshold, the 101-point
/// interpolated precision averaged over the categories that have ground truth (area all, maxDets 100) — the curves
/// whose areas average to AP.
/// </summary>
internal static class PrecisionRecallPlot
{
    private const int Width = 900, Height = 650;

    /// <summary>Writes the plot to <paramref name="path"/> through a temporary file renamed on success.</summary>
    /// <exception cref="IOException">The file cannot be written.</exception>
    public static void Write(CocoEvaluationResult result, string path)
    {
        var plot = new ScottPlot.Plot();
        var recall = CocoEvaluation.RecallThresholds;
        var ious = CocoEvaluation.IouThresholds;
        int K = result.CategoryIds.Length, maxDets = CocoEvaluation.MaxDetections.Length - 1;
        for (int t = 0; t < ious.Length; t++)
        {
            var precision = new double[recall.Length];
            for (int r = 0; r < recall.Length; r++)
            {
                double sum = 0;
                int n = 0;
                for (int k = 0; k < K; k++)
                {
                    double p = result.PrecisionAt(t, r, k, 0, maxDets);
                    if (p > -1)
                    {
                        sum += p;
                        n++;
                    }
                }
                precision[r] = n > 0 ? sum / n : 0;
            }
            var line = plot.Add.ScatterLine(recall, precision);
            line.LineWidth = t is 0 or 5 ? 2.5f : 1.2f;
            line.LegendText = $"IoU {ious[t].ToString("F2", CultureInfo.InvariantCulture)}: AP {Mean(precision).ToString("F3", CultureInfo.InvariantCulture)}";
        }
        plot.Title($"Precision–recall, area all, maxDets 100 (AP {result.Stats[0].ToString("F3", CultureInfo.InvariantCulture)})");
        plot.XLabel("Recall");
        plot.YLabel("Precision (mean over categories)");
        plot.Axes.SetLimits(0, 1, 0, 1.02);
        plot.ShowLegend(ScottPlot.Alignment.LowerLeft);

        byte[] png = plot.GetImageBytes(Width, Height, ScottPlot.ImageFormat.Png);
        Engine.IO.AtomicFile.Write(path, stream => stream.Write(png));
    }

    private static double Mean(double[] values) => values.Sum() / values.Length;
}
