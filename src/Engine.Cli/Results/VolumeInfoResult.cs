namespace Engine.Cli.Results;

/// <summary><c>engine volume info</c>'s output: a volume's layout as its files store it.</summary>
internal sealed record VolumeInfoResult(string Source, bool MultiPage, int TotalSlices, int Slices, string Range, int Width, int Height, string Dtype,
    string[] Compression, int[] Predictor, string Layout, int BlockWidth, int BlockHeight, int BlocksPerSlice, bool BigTiff,
    long FileBytes, long UncompressedBytes) : CommandResult
{
    public override void WriteText(TextWriter output)
    {
        output.WriteLine($"{Source}: {Slices} of {TotalSlices} slices ({Range}){(MultiPage ? " as pages of one file" : "")}");
        output.WriteLine($"size: {Width} × {Height} px, {Dtype}");
        output.WriteLine($"storage: {string.Join(", ", Compression)} (predictor {string.Join(", ", Predictor)}), {Layout} " +
            (Layout == "tiled" ? $"in {BlockWidth} × {BlockHeight} tiles" : $"in strips of {BlockHeight} rows") +
            $", {BlocksPerSlice} per slice{(BigTiff ? ", BigTIFF" : "")}");
        output.WriteLine($"bytes: {CommandLine.Count(FileBytes)} in files, {CommandLine.Count(UncompressedBytes)} uncompressed");
    }
}
