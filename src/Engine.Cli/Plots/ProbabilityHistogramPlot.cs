using System.Globalization;

namespace Engine.Cli.Plots;

/// <summary>
/// The distribution of an ink probability map inside its mask as a PNG: pixels per probability bin on a log axis
/// (most of a fragment is confidently not ink, so a linear axis would show one bar), the threshold marked.
/// </summary>
internal static class ProbabilityHistogramPlot
{
    /// <summary>The file's name beside the probability map.</summary>
    public const string FileName = "probability-histogram.png";

    public const int Width = 900, Height = 550;

    /// <summary>Bins over [0, 1]: 0.01 wide, fine enough to see where a percentile threshold falls.</summary>
    private const int Bins = 100;

    /// <summary>Writes the histogram of an inference's probability map, inside the fragment's mask, into its output folder.</summary>
    /// <param name="result">The inference, whose .npy map is read back.</param>
    /// <param name="fragment">The fragment folder, holding mask.png (the map's size: inference checks it).</param>
    /// <exception cref="IOException">A file cannot be read or written.</exception>
    public static void WriteBeside(Engine.Torch.Ink.InkInferenceResult result, string fragment)
    {
        // Mapped, not read: the map was just written, so its pages are cached and no second copy of it is allocated.
        using var map = Engine.IO.NpyFile.Map(result.ProbabilityNpy);
        var mask = Engine.IO.MapFile.ReadMask(Path.Combine(fragment, "mask.png")).Pixels;
        Write(map.Float32, mask.Length == map.Float32.Length ? mask : [], result.Threshold, Path.Combine(result.Directory, FileName));
    }

    /// <summary>Writes the histogram of <paramref name="probabilities"/> where <paramref name="mask"/> is non-zero.</summary>
    /// <param name="probabilities">The map, values in [0, 1].</param>
    /// <param name="mask">One byte per value, non-zero inside the fragment; empty for every value.</param>
    /// <param name="threshold">The threshold: values strictly above it are ink.</param>
    /// <param name="path">The PNG to write.</param>
    /// <exception cref="IOException">The file cannot be written.</exception>
    public static void Write(ReadOnlySpan<float> probabilities, ReadOnlySpan<byte> mask, double threshold, string path)
    {
        var counts = new long[Bins];
        long inside = 0, ink = 0;
        for (int i = 0; i < probabilities.Length; i++)
        {
            if (!mask.IsEmpty && mask[i] == 0)
                continue;
            float p = probabilities[i];
            counts[Math.Clamp((int)(p * Bins), 0, Bins - 1)]++;
            inside++;
            if (p > threshold)
                ink++;
        }

        var plot = new ScottPlot.Plot();
        // Bars of log10(count) from 0 (one pixel): ScottPlot draws a log axis as a linear one over the logarithms.
        var bars = Enumerable.Range(0, Bins).Where(b => counts[b] > 0)
            .Select(b => new ScottPlot.Bar { Position = (b + 0.5) / Bins, Value = Math.Log10(counts[b]), Size = 1.0 / Bins, FillColor = ScottPlot.Colors.SteelBlue, LineWidth = 0 })
            .ToArray();
        plot.Add.Bars(bars);
        var ticks = new ScottPlot.TickGenerators.NumericAutomatic
        {
            IntegerTicksOnly = true,
            MinorTickGenerator = new ScottPlot.TickGenerators.LogMinorTickGenerator(),
            LabelFormatter = y => Math.Pow(10, y).ToString("N0", CultureInfo.InvariantCulture),
        };
        plot.Axes.Left.TickGenerator = ticks;
        plot.Axes.Left.Label.Text = "Pixels inside the mask (log scale)";
        plot.Axes.Bottom.Label.Text = "Ink probability";
        plot.Axes.SetLimitsX(0, 1);
        plot.Axes.SetLimitsY(0, Math.Max(1, Math.Log10(Math.Max(1, counts.Max())) * 1.08));

        double share = inside > 0 ? 100.0 * ink / inside : 0;
        var line = plot.Add.VerticalLine(threshold, 2.5f, ScottPlot.Colors.Red, ScottPlot.LinePattern.Dashed);
        line.LegendText = string.Create(CultureInfo.InvariantCulture, $"threshold {threshold:G4}: {share:F1} % of the mask is above it (ink)");
        plot.Title(string.Create(CultureInfo.InvariantCulture, $"Probability map: {inside:N0} pixels inside the mask, {ink:N0} ink"));
        plot.ShowLegend(ScottPlot.Alignment.UpperCenter);
        PlotFile.WritePng(plot, path, Width, Height);
    }
}
