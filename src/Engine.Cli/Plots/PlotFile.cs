namespace Engine.Cli.Plots;

/// <summary>Renders a ScottPlot plot to a PNG through a temporary file renamed when whole, as every Engine output is written.</summary>
internal static class PlotFile
{
    /// <exception cref="IOException">The file cannot be written.</exception>
    public static void WritePng(ScottPlot.Plot plot, string path, int width, int height)
    {
        byte[] png = plot.GetImageBytes(width, height, ScottPlot.ImageFormat.Png);
        Engine.IO.AtomicFile.Write(path, stream => stream.Write(png));
    }
}
