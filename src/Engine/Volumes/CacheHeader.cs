namespace Engine.Volumes;

/// <summary>What a tile cache holds, as written to <c>chunks.json</c>.</summary>
internal sealed record CacheHeader(int Width, int Height, string SampleType, int BytesPerSample, int First, int Slices,
    string[] Files, long[] Lengths, long[] Ticks, uint[]? Checksums = null)
{
    /// <summary>Every field present and in range, and one checksum per chunk row: what a header Build wrote.</summary>
    public bool IsWellFormed() =>
        Width > 0 && Height > 0 && Slices > 0 && First >= 0 && BytesPerSample is 1 or 2 or 4 && SampleType is not null
        && Files is not null && Lengths is not null && Ticks is not null && Files.All(f => f is not null)
        && Lengths.Length == Files.Length && Ticks.Length == Files.Length
        && Checksums is not null && Checksums.Length == ChunkRows;

    public int ChunkRows => (Height + TileCache.Chunk - 1) / TileCache.Chunk;

    public int ChunkColumns => (Width + TileCache.Chunk - 1) / TileCache.Chunk;

    public static CacheHeader Of(TiffVolume volume)
    {
        var files = volume.Slices.Select(s => Path.GetFullPath(s.Path)).Distinct().ToArray();
        return new CacheHeader(volume.Width, volume.Height, volume.SampleType.ToString(), volume.BytesPerSample,
            volume.Range.First, volume.SliceCount, files,
            files.Select(f => new FileInfo(f).Length).ToArray(), files.Select(f => File.GetLastWriteTimeUtc(f).Ticks).ToArray());
    }

    public bool Matches(CacheHeader other, out string difference)
    {
        difference = (Width, Height, SampleType, BytesPerSample) != (other.Width, other.Height, other.SampleType, other.BytesPerSample)
            ? $"{Width}×{Height} {Engine.IO.PrintableText.Escape(SampleType)} slices, not the volume's {other.Width}×{other.Height} {other.SampleType}"
            : (First, Slices) != (other.First, other.Slices)
                ? $"slices {First}..{First + Slices - 1}, not {other.First}..{other.First + other.Slices - 1}"
                : !Files.SequenceEqual(other.Files)
                    ? $"another volume's slices ({Engine.IO.PrintableText.Escape(Files.FirstOrDefault() ?? "", 300)} …)"
                    : !Lengths.SequenceEqual(other.Lengths) || !Ticks.SequenceEqual(other.Ticks)
                        ? "the slices as they were before their files changed"
                        : "";
        return difference.Length == 0;
    }
}
