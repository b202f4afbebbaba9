using System.Runtime.InteropServices;
using BitMiracle.LibTiff.Classic;
using Engine.IO;
using Engine.Volumes;

namespace Engine.Tests.Volumes;

public class TiffVolumeTests
{
    public static TheoryData<string, string, bool, bool> UInt16Variants => new()
    {
        // folder, compression LibTiff names, tiled, BigTIFF
        { "tifffile_plain", "none", false, false },
        { "tifffile_deflate_predictor", "adobe_deflate", false, false },
        { "tifffile_tiled", "adobe_deflate", true, false },
        { "tifffile_bigtiff", "none", false, true },
        { "tifffile_multipage.tif", "none", false, false },
        { "tiffcp_lzw", "lzw", false, false },
        { "tiffcp_lzw_predictor", "lzw", false, false },
        { "tiffcp_deflate_predictor", "adobe_deflate", false, false },
        { "tiffcp_packbits", "packbits", false, false },
        { "tiffcp_tiled", "none", true, false },
        { "tiffcp_tiled_deflate", "adobe_deflate", true, false },
        { "tiffcp_bigtiff", "lzw", false, true },
        { "tiffcp_bigendian", "none", false, false },
        { "tiffcp_strips7", "none", false, false },
    };

    [Theory]
    [MemberData(nameof(UInt16Variants))]
    public void Every_variant_reads_the_slices_tifffile_wrote(string name, string compression, bool tiled, bool bigTiff)
    {
        using var volume = TiffVolume.Open(VolumeData.PathOf(name));
        Assert.Equal((VolumeData.Width, VolumeData.Height, VolumeData.Slices), (volume.Width, volume.Height, volume.SliceCount));
        Assert.Equal(VolumeSampleType.UInt16, volume.SampleType);
        Assert.Equal(name.EndsWith(".tif"), volume.IsMultiPage);
        Assert.All(volume.Slices, s => Assert.Equal((compression, tiled, bigTiff), (s.Compression, s.Tiled, s.BigTiff)));
        var expected = VolumeData.Expected;
        for (int s = 0; s < volume.SliceCount; s++)
        {
            var slice = volume.ReadSlice<ushort>(s);
            for (int i = 0; i < slice.Length; i++)
                Assert.True(expected[s * slice.Length + i] == slice[i], $"{name} slice {s} pixel {i}: {slice[i]}, tifffile wrote {expected[s * slice.Length + i]}");
        }
    }

    [Theory]
    [InlineData("tiffcp_lzw_predictor")]
    [InlineData("tiffcp_tiled")]
    [InlineData("tifffile_tiled")]
    [InlineData("tiffcp_bigendian")]
    [InlineData("tifffile_multipage.tif")]
    public void Regions_and_bands_equal_the_same_window_of_the_whole_slice(string name)
    {
        using var volume = TiffVolume.Open(VolumeData.PathOf(name));
        var expected = VolumeData.Expected;
        var random = new Random(3);
        for (int trial = 0; trial < 20; trial++)
        {
            int y0 = random.Next(VolumeData.Height), y1 = random.Next(y0 + 1, VolumeData.Height + 1);
            int x0 = random.Next(VolumeData.Width), x1 = random.Next(x0 + 1, VolumeData.Width + 1);
            int w = x1 - x0, h = y1 - y0;
            var bytes = new byte[volume.SliceCount * h * w * sizeof(ushort)];
            volume.ReadBand(y0, y1, x0, x1, bytes);
            var band = MemoryMarshal.Cast<byte, ushort>(bytes).ToArray();
            var region = new ushort[h * w];
            volume.ReadRegion(1, y0, y1, x0, x1, MemoryMarshal.AsBytes(region.AsSpan()));
            for (int s = 0; s < volume.SliceCount; s++)
            {
                for (int y = y0; y < y1; y++)
                {
                    for (int x = x0; x < x1; x++)
                    {
                        float want = expected[(s * VolumeData.Height + y) * VolumeData.Width + x];
                        Assert.Equal(want, band[(s * h + y - y0) * w + x - x0]);
                        if (s == 1)
                            Assert.Equal(want, region[(y - y0) * w + x - x0]);
                    }
                }
            }
        }
    }

    [Fact]
    public void Uint8_and_float32_slices_read_as_tifffile_wrote_them()
    {
        var expected = VolumeData.Expected;
        using (var bytes = TiffVolume.Open(VolumeData.PathOf("tifffile_uint8")))
        {
            Assert.Equal(VolumeSampleType.UInt8, bytes.SampleType);
            var slice = bytes.ReadSlice<byte>(2);
            Assert.Equal(expected.AsSpan(2 * slice.Length, slice.Length).ToArray().Select(v => (byte)((int)v >> 8)), slice);
        }
        using var floats = TiffVolume.Open(VolumeData.PathOf("tifffile_float32"));
        Assert.Equal(VolumeSampleType.Float32, floats.SampleType);
        var values = floats.ReadSlice<float>(1);
        // tifffile stored float32(value) / float32(7), rounded once.
        Assert.Equal(expected.AsSpan(values.Length, values.Length).ToArray().Select(v => v / 7f), values);
    }

    [Fact]
    public void A_slice_range_opens_only_those_slices()
    {
        using var volume = TiffVolume.Open(VolumeData.PathOf("tiffcp_lzw"), SliceRange.Parse("1..2"));
        Assert.Equal((3, 2, new SliceRange(1, 2)), (volume.TotalSlices, volume.SliceCount, volume.Range));
        Assert.EndsWith("01.tif", volume.Slices[0].Path);
        Assert.Equal(VolumeData.ExpectedSlice(1), volume.ReadSlice<ushort>(0));
        using var page = TiffVolume.Open(VolumeData.PathOf("tifffile_multipage.tif"), new SliceRange(2, 2));
        Assert.Equal(2, page.Slices[0].Page);
        Assert.Equal(VolumeData.ExpectedSlice(2), page.ReadSlice<ushort>(0));
    }

    [Fact]
    public void Slice_files_sort_by_number_not_by_name()
    {
        using var folder = new TempFolder();
        for (int s = 8; s <= 11; s++)
            VolumeData.WriteUInt16(folder.File($"{s}.tif"), VolumeData.Generated(s, 9, 4), 9, 4);
        File.WriteAllText(folder.File("notes.txt"), "ignored");
        using var volume = TiffVolume.Open(folder.Path);
        Assert.Equal(["8.tif", "9.tif", "10.tif", "11.tif"], volume.Slices.Select(s => Path.GetFileName(s.Path)));
        Assert.Equal(VolumeData.Generated(10, 9, 4), volume.ReadSlice<ushort>(2));
    }

    [Theory]
    [InlineData("15..49", 15, 49)]
    [InlineData("7", 7, 7)]
    public void Slice_ranges_parse_inclusively(string text, int first, int last) =>
        Assert.Equal(new SliceRange(first, last), SliceRange.Parse(text));

    [Theory]
    [InlineData("49..15")]
    [InlineData("a..b")]
    [InlineData("-1..3")]
    [InlineData("1...3")]
    public void Bad_slice_ranges_are_refused(string text) =>
        Assert.Contains(text, Assert.Throws<ArgumentException>(() => SliceRange.Parse(text)).Message);

    [Fact]
    public void A_range_past_the_last_slice_names_the_count()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => TiffVolume.Open(VolumeData.PathOf("tiffcp_lzw"), new SliceRange(1, 3)));
        Assert.Contains("3 slices (0..2)", e.Message);
    }

    [Fact]
    public void A_missing_slice_is_named()
    {
        using var folder = new TempFolder();
        VolumeData.CopyFolder(VolumeData.PathOf("tiffcp_lzw"), folder.Path);
        File.Copy(folder.File("02.tif"), folder.File("03.tif"));
        File.Delete(folder.File("01.tif"));
        var e = Assert.Throws<InvalidDataException>(() => TiffVolume.Open(folder.Path));
        Assert.Contains("missing slice 1", e.Message);
        Assert.Contains(folder.Path, e.Message);
    }

    [Fact]
    public void A_slice_of_another_size_or_type_is_named()
    {
        using var folder = new TempFolder();
        VolumeData.CopyFolder(VolumeData.PathOf("tifffile_plain"), folder.Path);
        VolumeData.WriteUInt16(folder.File("02.tif"), new ushort[69 * 45], 69, 45);
        var e = Assert.Throws<InvalidDataException>(() => TiffVolume.Open(folder.Path));
        Assert.Contains(folder.File("02.tif"), e.Message);
        Assert.Contains("69×45", e.Message);

        TiffImage.Write(folder.File("02.tif"), new float[70 * 45], 70, 45);
        e = Assert.Throws<InvalidDataException>(() => TiffVolume.Open(folder.Path));
        Assert.Contains(folder.File("02.tif"), e.Message);
        Assert.Contains("Float32", e.Message);
    }

    [Fact]
    public void Rgb_is_refused_naming_the_file()
    {
        var e = Assert.Throws<NotSupportedException>(() => TiffVolume.Open(VolumeData.PathOf("rgb.tif")));
        Assert.Contains("rgb.tif has 3 samples per pixel", e.Message);
    }

    [Theory]
    [InlineData("tiffcp_lzw")]
    [InlineData("tifffile_plain")]
    [InlineData("tiffcp_tiled_deflate")]
    public void A_truncated_slice_is_named(string variant)
    {
        using var folder = new TempFolder();
        VolumeData.CopyFolder(VolumeData.PathOf(variant), folder.Path);
        string victim = folder.File("01.tif");
        var bytes = File.ReadAllBytes(victim);
        int directory = BitConverter.ToInt32(bytes, 4);
        if (directory == 8)
        {
            // tifffile writes the directory first: cutting the tail cuts the pixels.
            File.WriteAllBytes(victim, bytes.AsSpan(0, bytes.Length - 500).ToArray());
        }
        else
        {
            // tiffcp writes the directory after the pixels: keep it, re-pointed, and drop the pixels before it,
            // so the file opens and its strips or tiles point past its end.
            var truncated = bytes.AsSpan(0, 8).ToArray().Concat(bytes.AsSpan(directory).ToArray()).ToArray();
            BitConverter.GetBytes(8).CopyTo(truncated, 4);
            File.WriteAllBytes(victim, truncated);
        }
        var e = Assert.ThrowsAny<Exception>(() =>
        {
            using var volume = TiffVolume.Open(folder.Path);
            volume.ReadSlice<ushort>(1);
        });
        Assert.True(e is InvalidDataException, $"{e.GetType().Name}: {e.Message}");
        Assert.Contains(victim, e.Message);
    }

    [Theory]
    [InlineData("tifffile_deflate_predictor")]
    [InlineData("tiffcp_lzw")]
    public void Corrupt_compressed_pixels_are_named(string variant)
    {
        using var folder = new TempFolder();
        VolumeData.CopyFolder(VolumeData.PathOf(variant), folder.Path);
        string victim = folder.File("02.tif");
        // Overwrite the start of the first strip's compressed bytes.
        var bytes = File.ReadAllBytes(victim);
        long offset = FirstStripOffset(victim);
        for (long i = offset + 2; i < offset + 40; i++)
            bytes[i] = 0xFF;
        File.WriteAllBytes(victim, bytes);
        var e = Assert.ThrowsAny<Exception>(() =>
        {
            using var volume = TiffVolume.Open(folder.Path);
            volume.ReadSlice<ushort>(2);
        });
        Assert.True(e is InvalidDataException, $"{e.GetType().Name}: {e.Message}");
        Assert.Contains(victim, e.Message);
    }

    private static long FirstStripOffset(string path)
    {
        using var tiff = Tiff.Open(path, "r");
        return tiff.GetField(TiffTag.STRIPOFFSETS)[0].TolongArray()[0];
    }

    [Fact]
    public void A_file_cut_short_or_full_of_garbage_is_named()
    {
        using var folder = new TempFolder();
        VolumeData.CopyFolder(VolumeData.PathOf("tiffcp_lzw"), folder.Path);
        File.WriteAllBytes(folder.File("01.tif"), File.ReadAllBytes(folder.File("01.tif")).AsSpan(0, 6).ToArray());
        var e = Assert.Throws<InvalidDataException>(() => TiffVolume.Open(folder.Path));
        Assert.Contains(folder.File("01.tif"), e.Message);

        File.WriteAllBytes(folder.File("01.tif"), "this is not a TIFF at all"u8.ToArray());
        e = Assert.Throws<InvalidDataException>(() => TiffVolume.Open(folder.Path));
        Assert.Contains(folder.File("01.tif") + " is not a TIFF file", e.Message);
    }

    [Fact]
    public void A_folder_without_slices_and_a_missing_path_are_named()
    {
        using var folder = new TempFolder();
        Assert.Contains("has no TIFF slices", Assert.Throws<InvalidDataException>(() => TiffVolume.Open(folder.Path)).Message);
        Assert.Contains("nothing-here", Assert.Throws<FileNotFoundException>(() => TiffVolume.Open(folder.File("nothing-here"))).Message);
    }

    [Fact]
    public void A_region_outside_the_slice_is_refused()
    {
        using var volume = TiffVolume.Open(VolumeData.PathOf("tiffcp_lzw"));
        var buffer = new byte[100_000];
        Assert.Throws<ArgumentOutOfRangeException>(() => volume.ReadRegion(0, 40, 46, 0, 10, buffer));
        Assert.Throws<ArgumentOutOfRangeException>(() => volume.ReadRegion(3, 0, 1, 0, 1, buffer));
        Assert.Throws<ArgumentException>(() => volume.ReadRegion(0, 0, 45, 0, 70, new byte[10]));
        Assert.Throws<ArgumentException>(() => volume.ReadSlice<float>(0));
    }

    [Fact]
    public void Uncompressed_strips_stored_out_of_order_are_read_strip_by_strip()
    {
        using var folder = new TempFolder();
        int width = 37, height = 29;
        for (int s = 0; s < 2; s++)
            VolumeData.WriteUInt16(folder.File($"{s}.tif"), VolumeData.Generated(s, width, height), width, height, rowsPerStrip: 4, lastStripFirst: true);
        using var volume = TiffVolume.Open(folder.Path);
        Assert.Equal(VolumeData.Generated(1, width, height), volume.ReadSlice<ushort>(1));
        var bytes = new byte[2 * 10 * 7 * sizeof(ushort)];
        volume.ReadBand(3, 13, 5, 12, bytes);
        var band = MemoryMarshal.Cast<byte, ushort>(bytes).ToArray();
        for (int s = 0; s < 2; s++)
        {
            var expected = VolumeData.Generated(s, width, height);
            for (int y = 3; y < 13; y++)
                for (int x = 5; x < 12; x++)
                    Assert.Equal(expected[y * width + x], band[(s * 10 + y - 3) * 7 + x - 5]);
        }
    }

    [Fact]
    public void LibTiff_written_deflate_slices_read_back()
    {
        using var folder = new TempFolder();
        VolumeData.WriteGenerated(folder.Path, 2, 33, 21, Compression.DEFLATE);
        using var volume = TiffVolume.Open(folder.Path);
        Assert.Equal("deflate", volume.Slices[0].Compression);
        Assert.Equal(VolumeData.Generated(1, 33, 21), volume.ReadSlice<ushort>(1));
    }
}
