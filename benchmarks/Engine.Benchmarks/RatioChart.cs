using System.Globalization;

namespace Engine.Benchmarks;

/// <summary>
/// A comparison's ours ÷ peer ratios as a bar chart (ScottPlot 5): per operation one bar for all cores and one for
/// one core, on a log axis around 1 (parity), so a ratio of 0.01 and one of 0.5 are both readable; bars below
/// the line are operations where Engine is faster.
/// </summary>
internal static class RatioChart
{
    public const int Width = 1000, Height = 600;

    /// <summary>One operation's ratios; null where that job has no result.</summary>
    public sealed record Row(string Operation, double? AllCores, double? OneCore);

    /// <summary>Writes the chart to <paramref name="path"/>.</summary>
    public static void Write(IReadOnlyList<Row> rows, string peer, string path)
    {
        var plot = new ScottPlot.Plot();
        var palette = new ScottPlot.Palettes.Category10();
        var bars = new List<ScottPlot.Bar>();
        for (int i = 0; i < rows.Count; i++)
        {
            foreach (var (ratio, offset, color) in new[] { (rows[i].AllCores, -0.2, palette.GetColor(0)), (rows[i].OneCore, 0.2, palette.GetColor(1)) })
            {
                if (ratio is not { } r || !(r > 0))
                    continue;
                bars.Add(new ScottPlot.Bar
                {
                    Position = i + offset,
                    Value = Math.Log10(r),
                    Size = 0.38,
                    FillColor = color,
                    Label = r < 1 ? string.Create(CultureInfo.InvariantCulture, $"{r:G2} ({1 / r:F1}×)") : string.Create(CultureInfo.InvariantCulture, $"{r:G2}"),
                });
            }
        }
        var barPlot = plot.Add.Bars(bars);
        barPlot.ValueLabelStyle.FontSize = 11;
        plot.Add.HorizontalLine(0, 1.5f, ScottPlot.Colors.Black, ScottPlot.LinePattern.Dashed);

        plot.Legend.ManualItems.Add(new ScottPlot.LegendItem { LabelText = "Engine, all cores", FillColor = palette.GetColor(0) });
        plot.Legend.ManualItems.Add(new ScottPlot.LegendItem { LabelText = "Engine, 1 core", FillColor = palette.GetColor(1) });
        plot.ShowLegend(ScottPlot.Alignment.LowerRight);

        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
            Enumerable.Range(0, rows.Count).Select(i => (double)i).ToArray(), rows.Select(r => r.Operation).ToArray());
        plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic
        {
            IntegerTicksOnly = true,
            MinorTickGenerator = new ScottPlot.TickGenerators.LogMinorTickGenerator(),
            LabelFormatter = y => Math.Pow(10, y).ToString("G4", CultureInfo.InvariantCulture),
        };
        plot.Axes.Left.Label.Text = $"Engine time ÷ {peer} time (log scale; below 1: Engine faster)";
        double low = Math.Min(-1, Math.Floor(bars.Select(b => b.Value).DefaultIfEmpty(0).Min() - 0.3));
        double high = Math.Max(0.5, bars.Select(b => b.Value).DefaultIfEmpty(0).Max() + 0.3);
        plot.Axes.SetLimits(-0.6, rows.Count - 0.4, low, high);
        plot.Title($"Engine vs {peer}: time ratio per operation (labels: ratio and × faster)");
        byte[] png = plot.GetImageBytes(Width, Height, ScottPlot.ImageFormat.Png);
        File.WriteAllBytes(path, png);
    }
}
