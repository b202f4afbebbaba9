using System.Globalization;

namespace Engine.Cli.Results;

/// <summary><c>engine volume tile</c>'s output: the tiles cut, their speed, and the memory the bands took.</summary>
internal sealed record VolumeTileResult(string Source, int Slices, string Range, int Width, int Height, int Tile, int Stride, int GridTiles, long Tiles,
    int[] TileShape, long BytesRead, long MemoryBudget, long PeakBytes, string Backend, int BandRows, double Seconds, double TilesPerSecond,
    double ReadMBPerSecond, string? Cache, string? Output, string? Coords) : CommandResult
{
    public override void WriteText(TextWriter output)
    {
        output.WriteLine($"{CommandLine.Count(Tiles)} tiles of {Slices} × {Tile} × {Tile} ({CommandLine.Count(GridTiles)} in the grid over the mask) in {Seconds.ToString("F2", CultureInfo.InvariantCulture)} s: " +
            $"{TilesPerSecond.ToString("F1", CultureInfo.InvariantCulture)} tiles/s, {ReadMBPerSecond.ToString("F0", CultureInfo.InvariantCulture)} MB/s read");
        output.WriteLine($"memory: bands of {BandRows} rows, peak {CommandLine.Count(PeakBytes)} bytes (mask, grid, band, batches) of a {CommandLine.Count(MemoryBudget)}-byte budget");
        if (Output is not null)
            output.WriteLine($"tiles: {Output}");
        if (Coords is not null)
            output.WriteLine($"origins: {Coords}");
    }
}
