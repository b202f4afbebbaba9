using System.Text.Json.Serialization;

namespace Engine.Cli.Results;

/// <summary><c>engine stitch</c>'s output.</summary>
internal sealed record StitchResult(string Tiles, string Coords, int Windows, int TileHeight, int TileWidth, int Height, int Width, int Factor,
    string Upsample, int? BudgetMiB, string Output, string? Png, string? Overlay, string Backend, StitchResult.StageSeconds Seconds) : CommandResult
{
    public sealed record StageSeconds(double Read, double Stitch, double Write);

    /// <summary>The backend in words, for the text form.</summary>
    [JsonIgnore]
    public string BackendDescription { get; init; } = "";

    public override void WriteText(TextWriter output)
    {
        output.WriteLine($"stitched {CommandLine.Count(Windows)} windows of {TileHeight} × {TileWidth} (×{Factor}) into {Height} × {Width} -> {Output}");
        output.WriteLine($"time: read {Seconds.Read * 1000:F1} ms, stitch {Seconds.Stitch * 1000:F1} ms, write {Seconds.Write * 1000:F1} ms ({BackendDescription})");
    }
}
