using Engine.IO;
using Engine.Volumes;

namespace Engine.Tests.Volumes;

public class TileCacheTests
{
    [Theory]
    [InlineData("tiffcp_tiled_deflate")]
    [InlineData("tifffile_multipage.tif")]
    [InlineData("tifffile_float32")]
    public void Any_band_of_the_cache_equals_the_same_band_of_the_tiffs(string source)
    {
        using var folder = new TempFolder();
        using var volume = TiffVolume.Open(VolumeData.PathOf(source));
        using var cache = TileCache.Build(volume, folder.Path);
        var random = new Random(11);
        for (int trial = 0; trial < 25; trial++)
        {
            int y0 = random.Next(volume.Height), y1 = random.Next(y0 + 1, volume.Height + 1);
            int x0 = random.Next(volume.Width), x1 = random.Next(x0 + 1, volume.Width + 1);
            var expected = new byte[volume.SliceCount * (y1 - y0) * (x1 - x0) * volume.BytesPerSample];
            var actual = new byte[expected.Length];
            volume.ReadBand(y0, y1, x0, x1, expected);
            cache.ReadBand(y0, y1, x0, x1, actual);
            Assert.Equal(expected, actual);
        }
    }

    [Fact]
    public void Tiles_from_the_cache_equal_numpys_and_a_reopened_cache_is_reused()
    {
        using var folder = new TempFolder();
        var mask = NpyFile.ReadBytes(VolumeData.PathOf("tiles_mask.npy"));
        using var volume = TiffVolume.Open(VolumeData.PathOf("tiffcp_lzw"));
        Assert.Null(TileCache.Open(volume, folder.Path));
        TileCache.Build(volume, folder.Path).Dispose();
        using var cache = TileCache.Open(volume, folder.Path);
        Assert.NotNull(cache);
        var grid = TileGrid.Create(mask.Data, mask.Shape[1], mask.Shape[0], 32, 16);
        var tiler = new VolumeTiler(volume, grid, new VolumeTilerOptions { Scale = TileScale.Divide65535, Normalize = true, Cache = cache });
        var tiles = tiler.Batches().SelectMany(b => { using (b) return b.Data.ToArray(); }).ToArray();
        NormalizationCase.AssertWithinOneUlp(NpyFile.ReadFloat32(VolumeData.PathOf("tiles_normalized.npy")).Data, tiles, "cached");
    }

    [Fact]
    public void A_cache_of_other_slices_or_of_changed_files_is_refused()
    {
        using var folder = new TempFolder();
        using var data = new TempFolder();
        VolumeData.CopyFolder(VolumeData.PathOf("tiffcp_lzw"), data.Path);
        using (var volume = TiffVolume.Open(data.Path))
            TileCache.Build(volume, folder.Path).Dispose();

        using (var fewer = TiffVolume.Open(data.Path, new SliceRange(1, 2)))
            Assert.Contains("slices 0..2, not 1..2", Assert.Throws<InvalidDataException>(() => TileCache.Open(fewer, folder.Path)).Message);

        File.SetLastWriteTimeUtc(data.File("01.tif"), DateTime.UtcNow.AddMinutes(5));
        using (var changed = TiffVolume.Open(data.Path))
        {
            var e = Assert.Throws<InvalidDataException>(() => TileCache.Open(changed, folder.Path));
            Assert.Contains("before their files changed", e.Message);
            Assert.Contains(folder.Path, e.Message);
        }

        using (var other = TiffVolume.Open(VolumeData.PathOf("tiffcp_packbits")))
            Assert.Contains("another volume's slices", Assert.Throws<InvalidDataException>(() => TileCache.Open(other, folder.Path)).Message);
    }

    [Fact]
    public void A_truncated_cache_is_named()
    {
        using var folder = new TempFolder();
        using var volume = TiffVolume.Open(VolumeData.PathOf("tiffcp_lzw"));
        TileCache.Build(volume, folder.Path).Dispose();
        string data = Path.Combine(folder.Path, "chunks.bin");
        File.WriteAllBytes(data, File.ReadAllBytes(data).AsSpan(0, 1000).ToArray());
        Assert.Contains(data, Assert.Throws<InvalidDataException>(() => TileCache.Open(volume, folder.Path)).Message);
        File.WriteAllText(Path.Combine(folder.Path, "chunks.json"), "{ not json");
        Assert.Contains("not a tile-cache header", Assert.Throws<InvalidDataException>(() => TileCache.Open(volume, folder.Path)).Message);
    }

    [Fact]
    public void An_altered_cache_fails_on_the_first_read_of_that_row_never_reading_wrong_values()
    {
        using var folder = new TempFolder();
        using var volume = TiffVolume.Open(VolumeData.PathOf("tiffcp_lzw"));
        TileCache.Build(volume, folder.Path).Dispose();
        string data = Path.Combine(folder.Path, "chunks.bin");
        byte[] bytes = File.ReadAllBytes(data);
        bytes[^10] ^= 0x01; // in the last chunk row
        File.WriteAllBytes(data, bytes);
        File.SetLastWriteTimeUtc(data, DateTime.UtcNow);
        using var cache = TileCache.Open(volume, folder.Path)!;
        var band = new byte[volume.SliceCount * 32 * volume.Width * volume.BytesPerSample];
        cache.ReadBand(0, 32, 0, volume.Width, band); // the first row is intact
        var e = Assert.Throws<InvalidDataException>(() => cache.ReadBand(32, volume.Height, 0, volume.Width, band));
        Assert.Contains(data, e.Message);
        Assert.Contains("chunk row 1", e.Message);
        Assert.DoesNotContain(e.Message, char.IsControl);
    }

    [Fact]
    public void A_header_that_is_not_UTF8_or_holds_control_characters_gives_a_printable_message()
    {
        // Fuzz finding (mutation suite, "chunks.json: insert 77 bytes 0xE9 @153"): bytes that are not UTF-8 in a
        // slice path came back as U+FFFD in "holds another volume's slices (…)".
        using var folder = new TempFolder();
        using var volume = TiffVolume.Open(VolumeData.PathOf("tiffcp_lzw"));
        TileCache.Build(volume, folder.Path).Dispose();
        string header = Path.Combine(folder.Path, "chunks.json");
        byte[] json = File.ReadAllBytes(header);
        int slash = json.AsSpan().IndexOf("/slices/"u8) is var i and >= 0 ? i : json.AsSpan().IndexOf("/00.tif"u8);
        File.WriteAllBytes(header, [.. json[..(slash + 1)], .. Enumerable.Repeat((byte)0xE9, 77), .. json[(slash + 1)..]]);
        var e = Assert.Throws<InvalidDataException>(() => TileCache.Open(volume, folder.Path));
        Assert.Contains("chunks.json is not valid UTF-8", e.Message);
        Assert.DoesNotContain(e.Message, c => char.IsControl(c) || c == '\uFFFD');

        // Valid UTF-8 that escapes a newline into a path: the path is echoed, escaped.
        File.WriteAllBytes(header, [.. json[..(slash + 1)], .. "\\n\\u001b"u8, .. json[(slash + 1)..]]);
        e = Assert.Throws<InvalidDataException>(() => TileCache.Open(volume, folder.Path));
        Assert.Contains("another volume's slices", e.Message);
        Assert.DoesNotContain(e.Message, char.IsControl);
    }

    [Theory]
    [InlineData("null", "is empty")]
    [InlineData("{\"Width\": 70}", "damaged or from an older Engine")]
    [InlineData("{\"Width\": 70, \"Height\": 45, \"SampleType\": \"UInt16\", \"BytesPerSample\": 2, \"First\": 0, \"Slices\": 3, \"Files\": null, \"Lengths\": [], \"Ticks\": []}", "damaged or from an older Engine")]
    [InlineData("{\"Width\": \"\u000c\"}", "not a tile-cache header")]
    public void A_damaged_header_is_named(string json, string phrase)
    {
        using var folder = new TempFolder();
        using var volume = TiffVolume.Open(VolumeData.PathOf("tiffcp_lzw"));
        TileCache.Build(volume, folder.Path).Dispose();
        File.WriteAllText(Path.Combine(folder.Path, "chunks.json"), json);
        var e = Assert.Throws<InvalidDataException>(() => TileCache.Open(volume, folder.Path));
        Assert.Contains(phrase, e.Message);
        Assert.Contains("chunks.json", e.Message);
        Assert.DoesNotContain(e.Message, char.IsControl);
    }
}
