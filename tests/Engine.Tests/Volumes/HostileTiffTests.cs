using System.Runtime.InteropServices;
using System.Text.Json;
using BitMiracle.LibTiff.Classic;
using Engine.IO;
using Engine.Tests.Cli;
using Engine.Volumes;

namespace Engine.Tests.Volumes;

/// <summary>
/// Issue 12 for the TIFF readers: tests/data/hostile/tiff (made by make_hostile_tiff.py) must each fail with one
/// clean line naming the file, and seeded byte flips of every codec either fail cleanly or read exactly what an
/// independent decode of the same bytes says.
/// </summary>
[Collection(nameof(ConsoleErrorCollection))]
public sealed class HostileTiffTests
{
    public static TheoryData<string> Cases() =>
        new(TestData.Json("hostile", "tiff", "expected.json").EnumerateObject().Select(p => p.Name));

    private static string PathOf(string name) => TestData.PathOf("hostile", "tiff", name);

    /// <summary>Opens the volume and reads every slice whole, the way the CLI would.</summary>
    private static void ReadAll(string path)
    {
        using var volume = TiffVolume.Open(path);
        var band = new byte[(long)volume.Width * volume.Height * volume.BytesPerSample * volume.SliceCount];
        volume.ReadBand(0, volume.Height, 0, volume.Width, band);
    }

    private static void AssertOneCleanLine(string message, string name)
    {
        Assert.Contains(name, message);
        Assert.DoesNotContain(message, char.IsControl);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Each_hostile_file_is_an_InvalidDataException_naming_it(string name)
    {
        var e = Assert.Throws<InvalidDataException>(() => ReadAll(PathOf(name)));
        AssertOneCleanLine(e.Message, name);
        if (File.Exists(PathOf(name)))
        {
            e = Assert.Throws<InvalidDataException>(() => TiffImage.Read(PathOf(name)));
            AssertOneCleanLine(e.Message, name);
        }
    }

    [Theory]
    [InlineData("multipage_truncated.tif", "page 1's directory offset")]
    [InlineData("multipage_truncated_bigtiff.tif", "page 1's directory offset")]
    [InlineData("multipage_loop.tif", "loops")]
    [InlineData("multipage_next_past_eof.tif", "page 3")]
    [InlineData("multipage_next_garbage.tif", "page 3")]
    [InlineData("huge_length.tif", "2147483647")]
    [InlineData("fuzz_bigtiff_damaged_directory.tif", "declares 276856956 entries")]
    [InlineData("fuzz_multipage_huge_length.tif", "declares 70×2147483647 pixels")]
    [InlineData("fuzz_duplicate_strip_byte_counts.tif", "gives tag 279 twice")]
    [InlineData("huge_ratio.tif", "more than compression 8 can hold")]
    [InlineData("deflate_adler_flipped.tif", "strip 1 (rows 8..15) does not inflate (zlib finds invalid data or a wrong checksum)")]
    [InlineData("deflate_flip_silent_779.tif", "strip 2 (rows 16..23) fails its zlib checksum")]
    [InlineData("deflate_strip_overrun.tif", "strip 0 (rows 0..7) inflates to more than")]
    [InlineData("deflate_strip_short_count.tif", "strip 1 (rows 8..15)")]
    [InlineData("lzw_strip_short.tif", "strip 1 (rows 8..15) decodes (LZW) to")]
    [InlineData("packbits_strip_short.tif", "strip 0 (rows 0..7)")]
    [InlineData("folder_other_size", "02.tif is 20×17 pixels")]
    [InlineData("folder_corrupt_slice", "01.tif")]
    public void Messages_name_the_page_strip_or_slice(string name, string phrase)
    {
        long allocated = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<InvalidDataException>(() => ReadAll(PathOf(name)));
        Assert.Contains(phrase, e.Message);
        // Refused from the directory alone: no buffer sized by what the file declares.
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - allocated < 16 << 20, $"{name}: {(GC.GetAllocatedBytesForCurrentThread() - allocated) >> 20} MB allocated");
    }

    [Theory]
    [InlineData("multipage_truncated.tif")]
    [InlineData("multipage_loop.tif")]
    [InlineData("lzw_flip.tif")]
    [InlineData("packbits_run_overrun.tif")]
    [InlineData("deflate_flip_silent_779.tif")]
    [InlineData("huge_length.tif")]
    public void The_cli_prints_one_error_line_and_LibTiff_nothing(string name)
    {
        var stderr = Console.Error;
        var console = new StringWriter();
        try
        {
            Console.SetError(console);
            using var temp = new TempFolder();
            string mask = temp.File("mask.png");
            MapFile.WriteMask(mask, new GrayImage<byte>(32, 24, Enumerable.Repeat((byte)255, 32 * 24).ToArray()));
            string[] tile = ["volume", "tile", PathOf(name), "--mask", mask, "--tile", "16", "--stride", "8", "--out", temp.File("tiles.npy")];
            string[] info = ["volume", "info", PathOf(name)];
            foreach (string[] args in name.StartsWith("huge", StringComparison.Ordinal) || name.StartsWith("multi", StringComparison.Ordinal) ? [info, tile] : new[] { tile })
            {
                var result = CliRunner.Run(args);
                Assert.Equal(1, result.ExitCode);
                string[] lines = result.Error.TrimEnd('\n').Split('\n');
                Assert.Single(lines);
                Assert.StartsWith("engine: error:", lines[0]);
                AssertOneCleanLine(lines[0], name);
            }
        }
        finally
        {
            Console.SetError(stderr);
        }
        Assert.DoesNotContain(name, console.ToString());
    }

    [Fact]
    public void A_truncated_multipage_file_is_never_fewer_slices()
    {
        // Every cut of a six-page file either fails naming it or (cut inside the last page's pixels only) … fails too:
        // no cut may open as a volume of fewer pages.
        using var temp = new TempFolder();
        byte[] whole = File.ReadAllBytes(PathOf("multipage_truncated.tif"));
        foreach (var source in new[] { "multipage_truncated.tif", "multipage_truncated_bigtiff.tif" })
        {
            byte[] bytes = File.ReadAllBytes(PathOf(source));
            for (int cut = 8; cut < bytes.Length; cut += 7)
            {
                string path = temp.File($"cut{cut}.tif");
                File.WriteAllBytes(path, bytes[..cut]);
                var e = Assert.Throws<InvalidDataException>(() => ReadAll(path));
                AssertOneCleanLine(e.Message, Path.GetFileName(path));
            }
        }
    }

    /// <summary>A 40 × 30 uint16 image with some texture, written by LibTiff.NET in the given codec and layout.</summary>
    private static (byte[] File, ushort[] Pixels) Reference(Compression compression, bool tiled, int predictor)
    {
        using var temp = new TempFolder();
        const int width = 40, height = 30;
        var pixels = VolumeData.Generated(1, width, height);
        string path = temp.File("ref.tif");
        using (var tiff = Tiff.Open(path, "w"))
        {
            tiff.SetField(TiffTag.IMAGEWIDTH, width);
            tiff.SetField(TiffTag.IMAGELENGTH, height);
            tiff.SetField(TiffTag.SAMPLESPERPIXEL, 1);
            tiff.SetField(TiffTag.BITSPERSAMPLE, 16);
            tiff.SetField(TiffTag.PHOTOMETRIC, Photometric.MINISBLACK);
            tiff.SetField(TiffTag.COMPRESSION, compression);
            if (predictor > 1)
                tiff.SetField(TiffTag.PREDICTOR, predictor);
            var bytes = MemoryMarshal.AsBytes(pixels.AsSpan()).ToArray();
            if (tiled)
            {
                tiff.SetField(TiffTag.TILEWIDTH, 16);
                tiff.SetField(TiffTag.TILELENGTH, 16);
                var tile = new byte[16 * 16 * 2];
                for (int y = 0; y < height; y += 16)
                {
                    for (int x = 0; x < width; x += 16)
                    {
                        Array.Clear(tile);
                        for (int r = 0; r < 16 && y + r < height; r++)
                            Array.Copy(bytes, ((y + r) * width + x) * 2, tile, r * 32, Math.Min(16, width - x) * 2);
                        tiff.WriteEncodedTile(tiff.ComputeTile(x, y, 0, 0), tile, tile.Length);
                    }
                }
            }
            else
            {
                tiff.SetField(TiffTag.ROWSPERSTRIP, 8);
                for (int s = 0; s * 8 < height; s++)
                {
                    int rows = Math.Min(8, height - s * 8);
                    tiff.WriteEncodedStrip(s, bytes.AsSpan(s * 8 * width * 2, rows * width * 2).ToArray(), rows * width * 2);
                }
            }
            tiff.WriteDirectory();
        }
        return (File.ReadAllBytes(path), pixels);
    }

    /// <summary>The pixels as LibTiff.NET's own scanline/tile API decodes them, or null where it reports a failure.</summary>
    private static ushort[]? LibTiffDecode(string path, int width, int height)
    {
        using var errors = new LibTiffErrors();
        try
        {
            using var tiff = Tiff.Open(path, "r");
            if (tiff is null)
                return null;
            var result = new ushort[width * height];
            var bytes = MemoryMarshal.AsBytes(result.AsSpan());
            if (tiff.IsTiled())
            {
                var tile = new byte[tiff.TileSize()];
                for (int y = 0; y < height; y += 16)
                {
                    for (int x = 0; x < width; x += 16)
                    {
                        if (tiff.ReadEncodedTile(tiff.ComputeTile(x, y, 0, 0), tile, 0, tile.Length) < tile.Length)
                            return null;
                        for (int r = 0; r < 16 && y + r < height; r++)
                            tile.AsSpan(r * 32, Math.Min(16, width - x) * 2).CopyTo(bytes[(((y + r) * width + x) * 2)..]);
                    }
                }
            }
            else
            {
                var row = new byte[width * 2];
                for (int y = 0; y < height; y++)
                {
                    if (!tiff.ReadScanline(row, y))
                        return null;
                    row.CopyTo(bytes[(y * width * 2)..]);
                }
            }
            return HasErrors(errors) ? null : result;
        }
        catch (Exception)
        {
            return null;
        }
    }

    private static bool HasErrors(LibTiffErrors errors)
    {
        try
        {
            errors.ThrowIfAny("", "");
            return false;
        }
        catch (InvalidDataException)
        {
            return true;
        }
    }

    /// <summary>The data bytes of every strip or tile, where flips are made (the directory is another test's job).</summary>
    private static List<(long Offset, long Count)> Blocks(string path, bool tiled)
    {
        using var stream = File.OpenRead(path);
        var page = TiffLayout.Read(stream.SafeFileHandle, path)[0];
        using var tiff = Tiff.Open(path, "r");
        var offsets = tiff.GetField(tiled ? TiffTag.TILEOFFSETS : TiffTag.STRIPOFFSETS)[0].TolongArray();
        var counts = tiff.GetField(tiled ? TiffTag.TILEBYTECOUNTS : TiffTag.STRIPBYTECOUNTS)[0].TolongArray();
        Assert.Equal(page.Blocks, offsets.Length);
        return offsets.Zip(counts).ToList();
    }

    [Theory]
    [InlineData(Compression.ADOBE_DEFLATE, false, 1, 300)]
    [InlineData(Compression.ADOBE_DEFLATE, true, 1, 150)]
    [InlineData(Compression.ADOBE_DEFLATE, false, 2, 150)]
    [InlineData(Compression.LZW, false, 1, 300)]
    [InlineData(Compression.LZW, true, 2, 150)]
    [InlineData(Compression.PACKBITS, false, 1, 300)]
    [InlineData(Compression.PACKBITS, true, 1, 150)]
    public void Flipped_block_bytes_fail_cleanly_or_read_what_an_independent_decode_reads(Compression compression, bool tiled, int predictor, int seeds)
    {
        using var temp = new TempFolder();
        var (original, pixels) = Reference(compression, tiled, predictor);
        string reference = temp.File("reference.tif");
        File.WriteAllBytes(reference, original);
        var blocks = Blocks(reference, tiled);
        int failures = 0;
        for (int seed = 0; seed < seeds; seed++)
        {
            var random = new Random(seed);
            byte[] bytes = (byte[])original.Clone();
            var (offset, count) = blocks[random.Next(blocks.Count)];
            for (int k = random.Next(1, 4); k > 0; k--)
                bytes[offset + random.Next((int)count)] ^= (byte)random.Next(1, 256);
            string path = temp.File($"flip{seed}.tif");
            File.WriteAllBytes(path, bytes);
            ushort[] read;
            try
            {
                using var volume = TiffVolume.Open(path);
                read = volume.ReadSlice<ushort>(0);
            }
            catch (InvalidDataException e)
            {
                AssertOneCleanLine(e.Message, Path.GetFileName(path));
                failures++;
                continue;
            }
            // Deflate carries a checksum: whatever it accepts must be the original. LZW and PackBits carry none, so
            // a flipped value byte decodes to another valid image; it must be the one LibTiff's scanline API reads.
            var expected = compression == Compression.ADOBE_DEFLATE ? pixels : LibTiffDecode(path, 40, 30);
            Assert.True(expected is not null, $"seed {seed}: Engine read the file, LibTiff's scanline API fails on it");
            Assert.True(expected.AsSpan().SequenceEqual(read), $"seed {seed}: Engine read other values than the independent decode");
        }
        Assert.True(failures > 0, "no flip was detected at all");
    }

    [Theory]
    [InlineData("tifffile_multipage.tif")]
    [InlineData("tiffcp_bigtiff/00.tif")]
    [InlineData("tiffcp_tiled_deflate/00.tif")]
    public void Any_mutation_anywhere_fails_cleanly_or_reads(string name)
    {
        // Flips, cuts and large values anywhere, directories included: only InvalidDataException or
        // NotSupportedException may come out, in one line naming the file, and never a large allocation.
        using var temp = new TempFolder();
        byte[] original = File.ReadAllBytes(VolumeData.PathOf(name));
        for (int seed = 0; seed < 200; seed++)
        {
            var random = new Random(seed);
            byte[] bytes = (byte[])original.Clone();
            switch (random.Next(3))
            {
                case 0: bytes = bytes[..random.Next(8, bytes.Length)]; break;
                case 1:
                    for (int k = random.Next(1, 4); k > 0; k--)
                        bytes[random.Next(bytes.Length)] ^= (byte)random.Next(1, 256);
                    break;
                default:
                    int at = random.Next(8, bytes.Length - 4) & ~1;
                    BitConverter.GetBytes(random.Next() | (1 << 30)).CopyTo(bytes, at);
                    break;
            }
            string path = temp.File($"mutant{seed}.tif");
            File.WriteAllBytes(path, bytes);
            long before = GC.GetAllocatedBytesForCurrentThread();
            try
            {
                ReadAll(path);
            }
            catch (Exception e) when (e is InvalidDataException or NotSupportedException)
            {
                AssertOneCleanLine(e.Message, Path.GetFileName(path));
            }
            Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 64 << 20, $"seed {seed}: large allocation");
        }
    }

    [Fact]
    public void Adler32_matches_the_scalar_definition_at_every_length()
    {
        var random = new Random(5);
        foreach (int length in new[] { 0, 1, 31, 32, 33, 63, 64, 65, 5551, 5552, 5553, 5600, 100_000, 1 << 20 })
        {
            var data = new byte[length];
            random.NextBytes(data);
            if (length > 5000)
                data.AsSpan(0, length / 2).Fill(0xFF); // the largest sums, for overflow
            uint a = 1, b = 0;
            foreach (byte v in data)
            {
                a = (a + v) % 65521;
                b = (b + a) % 65521;
            }
            Assert.Equal(b << 16 | a, CompressedBlocks.Adler32(data));
            // Chained over two parts, as the tile cache sums rows of more than 1 GiB.
            Assert.Equal(b << 16 | a, CompressedBlocks.Adler32(data.AsSpan(length / 3), CompressedBlocks.Adler32(data.AsSpan(0, length / 3))));
        }
    }

    [Theory]
    [InlineData("huge_length.tif")]
    [InlineData("huge_ratio.tif")]
    [InlineData("huge_strip_count.tif")]
    public void Hostile_sizes_fail_before_allocating(string name)
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        Assert.Throws<InvalidDataException>(() => ReadAll(PathOf(name)));
        Assert.Throws<InvalidDataException>(() => TiffImage.Read(PathOf(name)));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated < 16 << 20, $"{name}: {allocated} bytes allocated before the error");
    }
}

/// <summary>Tests that swap Console.Error run one at a time.</summary>
[CollectionDefinition(nameof(ConsoleErrorCollection), DisableParallelization = true)]
public sealed class ConsoleErrorCollection;
