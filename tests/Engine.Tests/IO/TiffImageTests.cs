using BitMiracle.LibTiff.Classic;
using Engine.IO;

namespace Engine.Tests.IO;

public class TiffImageTests
{
    public static TheoryData<string> Readable => new()
    {
        "tiff_u8.tif",
        "tiff_u16.tif",                    // values kept raw: 0..65535
        "tiff_f32.tif",                    // NaN, ±∞ and −0 kept
        "tiff_f32_deflate.tif",
        "tiff_u16_deflate_predictor.tif",  // horizontal differencing
        "tiff_f32_strips.tif",             // 4 rows per strip, the last strip short
        "tiff_f32_tiled.tif",              // 16×16 tiles, the right and bottom ones partial
        "tiff_u16_bigendian.tif",
        "tiff_u8_two_pages.tif",           // the first page only
        "tiff_u8_lzw_tiffcp.tif",          // libtiff's LZW
        "tiff_f32_lzw_fp_tiffcp.tif",      // LZW with the floating-point predictor
    };

    [Theory]
    [MemberData(nameof(Readable))]
    public void Reads_the_first_page_as_float32(string name)
    {
        var image = TiffImage.Read(IoData.PathOf(name));
        Assert.Equal(IoData.Width(name), image.Width);
        Assert.Equal(IoData.Height(name), image.Height);
        IoData.AssertSameBits(IoData.Values(name).Select(v => (float)v).ToArray(), image.Pixels, name);
    }

    [Fact]
    public void Several_samples_per_pixel_are_refused()
    {
        string path = IoData.PathOf("tiff_rgb.tif");
        IoData.AssertFails<NotSupportedException>(() => TiffImage.Read(path), path, "3 samples per pixel", "single-channel");
    }

    [Fact]
    public void Other_sample_types_are_named()
    {
        string path = IoData.PathOf("tiff_i16.tif");
        IoData.AssertFails<NotSupportedException>(() => TiffImage.Read(path), path, "16-bit INT samples");
    }

    [Fact]
    public void A_file_that_is_not_a_TIFF_is_named()
    {
        string path = IoData.PathOf("png_gray8.png");
        IoData.AssertFails<InvalidDataException>(() => TiffImage.Read(path), path, "is not a TIFF file");
    }

    [Theory]
    [MemberData(nameof(Readable))]
    public void A_file_cut_to_half_its_length_is_reported(string name)
    {
        using var temp = new TempFolder();
        string path = IoData.Truncated(temp, name, IoData.Bytes(name).Length / 2);
        IoData.AssertFails<InvalidDataException>(() => TiffImage.Read(path), path, "is truncated or corrupt");
    }

    [Fact]
    public void Every_truncation_is_an_InvalidDataException_naming_the_file()
    {
        using var temp = new TempFolder();
        foreach (string name in new[] { "tiff_u16_deflate_predictor.tif", "tiff_u8_lzw_tiffcp.tif" })
        {
            for (int cut = 0; cut < IoData.Bytes(name).Length; cut++)
            {
                string path = IoData.Truncated(temp, name, cut);
                IoData.AssertFails<InvalidDataException>(() => TiffImage.Read(path), path);
            }
        }
    }

    [Fact]
    public void Any_flipped_byte_reads_or_fails_cleanly()
    {
        // Damaged tags make LibTiff.NET throw its own exceptions (InvalidCast, Overflow, …); none may escape unwrapped.
        // Every bit of the byte is inverted: flips that instead set a high bit of ImageLength make LibTiff build
        // strip tables for ~10^9 rows (seconds, gigabytes) before Engine gets to refuse the size.
        using var temp = new TempFolder();
        byte[] original = IoData.Bytes("tiff_u16_deflate_predictor.tif");
        for (int i = 0; i < original.Length; i++)
        {
            string path = temp.File($"flip{i}.tif");
            byte[] file = (byte[])original.Clone();
            file[i] ^= 0xFF;
            File.WriteAllBytes(path, file);
            try
            {
                TiffImage.Read(path);
            }
            catch (Exception e) when (e is InvalidDataException or NotSupportedException)
            {
                Assert.Contains(Path.GetFileName(path), e.Message);
            }
        }
    }

    [Fact]
    public void LibTiff_prints_nothing_for_our_reads_and_still_does_for_other_callers()
    {
        using var temp = new TempFolder();
        string path = IoData.Truncated(temp, "tiff_u8_lzw_tiffcp.tif", 100);
        var stderr = Console.Error;
        var ours = new StringWriter();
        var theirs = new StringWriter();
        try
        {
            Console.SetError(ours);
            Assert.Throws<InvalidDataException>(() => TiffImage.Read(path));
            // Someone else using LibTiff directly keeps its default handler's output.
            Console.SetError(theirs);
            Assert.Null(Tiff.Open(path, "r"));
        }
        finally
        {
            Console.SetError(stderr);
        }
        // LibTiff's messages name the file; other tests running meanwhile may print unrelated lines.
        Assert.DoesNotContain(Path.GetFileName(path), ours.ToString());
        Assert.Contains(Path.GetFileName(path), theirs.ToString());
    }

    [Theory]
    [InlineData(TiffCompression.None, 1, 1)]
    [InlineData(TiffCompression.None, 37, 21)]
    [InlineData(TiffCompression.Deflate, 37, 21)]
    [InlineData(TiffCompression.Deflate, 1000, 601)] // 2.4 MB of pixels: three strips, the last one short
    public void Written_maps_read_back_bit_for_bit(TiffCompression compression, int width, int height)
    {
        using var temp = new TempFolder();
        string path = temp.File("probs.tif");
        var pixels = RandomMap(width, height);
        TiffImage.Write(path, pixels, width, height, compression);

        var image = TiffImage.Read(path);
        Assert.Equal((width, height), (image.Width, image.Height));
        Assert.Equal(IoData.Bits(pixels), IoData.Bits(image.Pixels));
        using var tiff = Tiff.Open(path, "r");
        Assert.Equal(compression == TiffCompression.Deflate ? Compression.ADOBE_DEFLATE : Compression.NONE,
            (Compression)tiff.GetField(TiffTag.COMPRESSION)[0].ToInt());
        Assert.Equal(SampleFormat.IEEEFP, (SampleFormat)tiff.GetField(TiffTag.SAMPLEFORMAT)[0].ToInt());
        Assert.False(tiff.IsTiled());
    }

    [Theory]
    [InlineData(TiffCompression.None)]
    [InlineData(TiffCompression.Deflate)]
    public void Written_uint16_slices_read_back_exactly_as_16_bit_unsigned(TiffCompression compression)
    {
        using var temp = new TempFolder();
        string path = temp.File("00.tif");
        var random = new Random(5);
        var pixels = new ushort[37 * 21];
        for (int i = 0; i < pixels.Length; i++)
            pixels[i] = (ushort)random.Next(0, 65536);
        TiffImage.WriteUInt16(path, pixels, 37, 21, compression);

        Assert.Equal(pixels.Select(p => (float)p), TiffImage.Read(path).Pixels);
        using var tiff = Tiff.Open(path, "r");
        Assert.Equal(16, tiff.GetField(TiffTag.BITSPERSAMPLE)[0].ToInt());
        Assert.Equal(SampleFormat.UINT, (SampleFormat)tiff.GetField(TiffTag.SAMPLEFORMAT)[0].ToInt());
        Assert.Contains("needs 777 values", Assert.Throws<ArgumentException>(() => TiffImage.WriteUInt16(path, new ushort[10], 37, 21)).Message);
    }

    [Fact]
    public void A_BigTIFF_is_written_when_asked_and_reads_back()
    {
        using var temp = new TempFolder();
        string path = temp.File("big.tif");
        var pixels = RandomMap(19, 7);
        TiffImage.Write(path, pixels, 19, 7, TiffCompression.Deflate, bigTiff: true);
        Assert.Equal([(byte)'I', (byte)'I', 43, 0], File.ReadAllBytes(path)[..4]);
        Assert.Equal(IoData.Bits(pixels), IoData.Bits(TiffImage.Read(path).Pixels));
    }

    [Fact]
    public void Writing_checks_the_arguments_before_creating_the_file()
    {
        using var temp = new TempFolder();
        string path = temp.File("bad.tif");
        var e = IoData.AssertFails<ArgumentException>(() => TiffImage.Write(path, new float[10], 4, 3), path, "4×3", "needs 12 values, not 10");
        Assert.Equal("pixels", e.ParamName);
        Assert.Throws<ArgumentOutOfRangeException>(() => TiffImage.Write(path, [], 3, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => TiffImage.Write(path, new float[4], 2, 2, (TiffCompression)7));
        Assert.False(File.Exists(path));
    }

    private static float[] RandomMap(int width, int height)
    {
        var random = new Random(width + height);
        var pixels = new float[width * height];
        for (int i = 0; i < pixels.Length; i++)
            pixels[i] = (float)random.NextDouble();
        pixels[0] = BitConverter.Int32BitsToSingle(0x7FC01234); // a NaN with a payload
        if (pixels.Length > 3)
            (pixels[1], pixels[2], pixels[3]) = (-0f, float.PositiveInfinity, float.Epsilon);
        return pixels;
    }
}
