using System.Buffers.Binary;
using Engine.IO;

namespace Engine.Tests.IO;

public class PngImageTests
{
    [Theory]
    [InlineData("png_gray8.png")]
    [InlineData("png_gray1.png")]        // stb scales 1-bit gray to 0 / 255
    [InlineData("png_gray4.png")]        // and 4-bit gray × 17
    [InlineData("png_gray16.png")]       // and keeps the high byte of 16-bit samples
    [InlineData("png_gray_alpha.png")]   // alpha dropped
    [InlineData("png_rgb_gray.png")]     // R = G = B everywhere
    [InlineData("png_rgba_gray.png")]
    [InlineData("png_palette_gray.png")] // a palette of grays
    public void Reads_as_stb_converts_to_8_bit_gray(string name)
    {
        var image = PngImage.Read(IoData.PathOf(name));
        Assert.Equal(IoData.Width(name), image.Width);
        Assert.Equal(IoData.Height(name), image.Height);
        Assert.Equal(IoData.Integers(name).Select(v => (byte)v).ToArray(), image.Pixels);
    }

    [Fact]
    public void A_color_image_is_refused()
    {
        string path = IoData.PathOf("png_rgb_color.png");
        IoData.AssertFails<InvalidDataException>(() => PngImage.Read(path), path,
            "is a color image; expected a grayscale mask", "x=4, y=3");
    }

    [Fact]
    public void A_file_that_is_not_a_PNG_is_refused()
    {
        string path = IoData.PathOf("npy_u1_5x3.npy");
        IoData.AssertFails<InvalidDataException>(() => PngImage.Read(path), path, "not a PNG file");
    }

    [Fact]
    public void A_file_cut_in_half_is_reported_as_truncated()
    {
        using var temp = new TempFolder();
        int length = IoData.Bytes("png_gray8.png").Length;
        string path = IoData.Truncated(temp, "png_gray8.png", length / 2);
        IoData.AssertFails<InvalidDataException>(() => PngImage.Read(path), path, "is truncated", "IDAT");
    }

    [Fact]
    public void Every_truncation_is_an_InvalidDataException_naming_the_file()
    {
        using var temp = new TempFolder();
        int length = IoData.Bytes("png_gray16.png").Length;
        for (int cut = 0; cut < length; cut++)
        {
            string path = IoData.Truncated(temp, "png_gray16.png", cut);
            IoData.AssertFails<InvalidDataException>(() => PngImage.Read(path), path);
        }
    }

    [Fact]
    public void A_bad_zlib_header_is_reported()
    {
        using var temp = new TempFolder();
        string path = temp.File("corrupt.png");
        byte[] file = IoData.Bytes("png_gray8.png");
        int at = IdatDataOffset(file);
        file[at] = 0xFF; // the zlib header's CMF byte: no longer deflate
        FixCrc(file, at - 8);
        File.WriteAllBytes(path, file);
        IoData.AssertFails<InvalidDataException>(() => PngImage.Read(path), path, "corrupt PNG", "valid zlib header (0xFF");
    }

    [Fact]
    public void Any_flipped_byte_reads_or_fails_cleanly()
    {
        // stb does not check CRCs, so some flips go unnoticed; none may escape as another exception type.
        using var temp = new TempFolder();
        byte[] original = IoData.Bytes("png_gray_alpha.png");
        for (int i = 0; i < original.Length; i++)
        {
            string path = temp.File($"flip{i}.png");
            byte[] file = (byte[])original.Clone();
            file[i] ^= 0x5A;
            File.WriteAllBytes(path, file);
            try
            {
                PngImage.Read(path);
            }
            catch (InvalidDataException e)
            {
                Assert.Contains(Path.GetFileName(path), e.Message);
            }
        }
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(7, 5)]
    [InlineData(333, 129)]
    public void Written_pixels_read_back_unchanged(int width, int height)
    {
        using var temp = new TempFolder();
        string path = temp.File("mask.png");
        var random = new Random(width * height);
        byte[] pixels = new byte[width * height];
        random.NextBytes(pixels);
        PngImage.Write(path, pixels, width, height);

        var image = PngImage.Read(path);
        Assert.Equal((width, height), (image.Width, image.Height));
        Assert.Equal(pixels, image.Pixels);
        // IHDR: 8-bit depth, colour type 0 (grayscale).
        byte[] file = File.ReadAllBytes(path);
        Assert.Equal((uint)width, BinaryPrimitives.ReadUInt32BigEndian(file.AsSpan(16)));
        Assert.Equal((uint)height, BinaryPrimitives.ReadUInt32BigEndian(file.AsSpan(20)));
        Assert.Equal([8, 0], file[24..26]);
    }

    [Fact]
    public void Probabilities_are_clamped_scaled_and_rounded_half_away_from_zero()
    {
        using var temp = new TempFolder();
        string path = temp.File("probs.png");
        float[] values = [0f, 1f, 0.5f, 1f / 255, 0.998f, -0.25f, 1.5f, float.NaN, float.PositiveInfinity, float.NegativeInfinity, 0.5f / 255 * 0.999f, 0.25f];
        byte[] expected = [0, 255, 128, 1, 254, 0, 255, 0, 255, 0, 0, 64];
        PngImage.WriteProbabilityMap(path, values, 4, 3);
        Assert.Equal(expected, PngImage.Read(path).Pixels);
    }

    [Fact]
    public void Writing_checks_the_size_before_creating_the_file()
    {
        using var temp = new TempFolder();
        string path = temp.File("bad.png");
        var e = IoData.AssertFails<ArgumentException>(() => PngImage.Write(path, new byte[10], 4, 3), path, "4×3", "needs 12 values, not 10");
        Assert.Equal("pixels", e.ParamName);
        e = IoData.AssertFails<ArgumentException>(() => PngImage.WriteProbabilityMap(path, new float[10], 4, 3), path, "needs 12 values, not 10");
        Assert.Equal("values", e.ParamName);
        Assert.Throws<ArgumentOutOfRangeException>(() => PngImage.Write(path, [], 0, 3));
        Assert.False(File.Exists(path));
    }

    /// <summary>Recomputes the CRC of the chunk starting at <paramref name="at"/>, after its data was altered.</summary>
    internal static void FixCrc(byte[] file, int at)
    {
        int length = (int)BinaryPrimitives.ReadUInt32BigEndian(file.AsSpan(at));
        BinaryPrimitives.WriteUInt32BigEndian(file.AsSpan(at + 8 + length), System.IO.Hashing.Crc32.HashToUInt32(file.AsSpan(at + 4, 4 + length)));
    }

    /// <summary>Where the first IDAT chunk's data starts.</summary>
    private static int IdatDataOffset(byte[] file)
    {
        int at = 8;
        while (BinaryPrimitives.ReadUInt32BigEndian(file.AsSpan(at + 4)) != 0x49444154) // "IDAT"
            at += 12 + (int)BinaryPrimitives.ReadUInt32BigEndian(file.AsSpan(at));
        return at + 8;
    }
}
