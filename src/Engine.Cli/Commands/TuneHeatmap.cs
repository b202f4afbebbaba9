using System.Globalization;
using Engine.Detection;

namespace Engine.Cli.Commands;

/// <summary>
/// The tuner's heat map (ScottPlot 5): the metric over IoU threshold (x) × skip threshold (y), each cell the best
/// candidate with those two values over the other settings (conf type, weights), the value written in the cell.
/// </summary>
internal static class TuneHeatmap
{
    public static void Write(IReadOnlyList<FusionSettings> grid, double[] scores, string metric, string path)
    {
        var ious = grid.Select(g => g.IouThreshold).Distinct().Order().ToArray();
        var skips = grid.Select(g => g.SkipBoxThreshold).Distinct().Order().ToArray();
        var values = new double[skips.Length, ious.Length];
        for (int r = 0; r < skips.Length; r++)
        {
            for (int c = 0; c < ious.Length; c++)
                values[r, c] = double.NaN;
        }
        for (int i = 0; i < grid.Count; i++)
        {
            // Row 0 is drawn at the top: the largest skip threshold goes there so the y axis increases upwards.
            int r = skips.Length - 1 - Array.IndexOf(skips, grid[i].SkipBoxThreshold), c = Array.IndexOf(ious, grid[i].IouThreshold);
            if (double.IsNaN(values[r, c]) || scores[i] > values[r, c])
                values[r, c] = scores[i];
        }

        var plot = new ScottPlot.Plot();
        var heatmap = plot.Add.Heatmap(values);
        heatmap.Colormap = new ScottPlot.Colormaps.Viridis();
        heatmap.Rectangle = new ScottPlot.CoordinateRect(-0.5, ious.Length - 0.5, -0.5, skips.Length - 0.5); // the cells' edges
        plot.Add.ColorBar(heatmap);
        if (ious.Length * skips.Length <= 400)
        {
            for (int r = 0; r < skips.Length; r++)
            {
                for (int c = 0; c < ious.Length; c++)
                {
                    double v = values[skips.Length - 1 - r, c];
                    if (double.IsNaN(v))
                        continue;
                    var text = plot.Add.Text(v.ToString("F3", CultureInfo.InvariantCulture), c, r);
                    text.LabelAlignment = ScottPlot.Alignment.MiddleCenter;
                    text.LabelFontSize = 11;
                    text.LabelFontColor = ScottPlot.Colors.White;
                }
            }
        }
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
            Enumerable.Range(0, ious.Length).Select(i => (double)i).ToArray(), ious.Select(v => v.ToString("0.###", CultureInfo.InvariantCulture)).ToArray());
        plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
            Enumerable.Range(0, skips.Length).Select(i => (double)i).ToArray(), skips.Select(v => v.ToString("0.####", CultureInfo.InvariantCulture)).ToArray());
        plot.Axes.SetLimits(-0.5, ious.Length - 0.5, -0.5, skips.Length - 0.5);
        plot.Title($"COCO {metric} by fusion thresholds (best over the other settings)");
        plot.XLabel("iou_thr");
        plot.YLabel("skip_box_thr");
        byte[] png = plot.GetImageBytes(Math.Max(700, 90 * ious.Length + 200), Math.Max(450, 45 * skips.Length + 200), ScottPlot.ImageFormat.Png);
        Engine.IO.AtomicFile.Write(path, stream => stream.Write(png));
    }
}
