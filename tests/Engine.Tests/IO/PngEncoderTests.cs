using Engine.IO;
using StbImageSharp;

namespace Engine.Tests.IO;

/// <summary>PngEncoder's files decode, through stb_image (an independent decoder), to exactly the pixels written.</summary>
public sealed class PngEncoderTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Theory]
    [InlineData(1, 1, 1)]
    [InlineData(1, 7, 3)]
    [InlineData(2, 1, 3)]
    [InlineData(33, 17, 1)]
    [InlineData(65, 300, 1)]   // more rows than one chunk of the encoder
    [InlineData(31, 259, 3)]
    public void Round_trips_gray_and_rgb(int width, int height, int channels)
    {
        var random = new Random(width * 1000 + height);
        var pixels = new byte[width * height * channels];
        random.NextBytes(pixels);
        // Some runs too, so the Sub filter's zero differences occur beside random ones.
        pixels.AsSpan(0, pixels.Length / 3).Fill(200);
        string path = _folder.File("image.png");
        PngEncoder.Write(path, pixels, width, height, channels);

        using var stream = File.OpenRead(path);
        var image = ImageResult.FromStream(stream, channels == 3 ? ColorComponents.RedGreenBlue : ColorComponents.Grey);
        Assert.Equal((width, height), (image.Width, image.Height));
        Assert.Equal(channels == 3 ? ColorComponents.RedGreenBlue : ColorComponents.Grey, image.SourceComp);
        Assert.Equal(pixels, image.Data);
    }
    [Fact]
    public void An_image_larger_than_one_chunk_is_written_in_several_IDAT_chunks_the_engine_reads_back()
    {
        const int width = 1200, height = 700; // random bytes barely compress: about 840 KB, over three chunks
        var pixels = new byte[width * height];
        new Random(17).NextBytes(pixels);
        string path = _folder.File("chunks.png");
        PngEncoder.Write(path, pixels, width, height, 1);

        Assert.True(IdatChunkCount(File.ReadAllBytes(path)) > 1);
        var image = PngImage.Read(path);
        Assert.Equal((width, height), (image.Width, image.Height));
        Assert.Equal(pixels, image.Pixels);
    }

    private static int IdatChunkCount(byte[] file)
    {
        int count = 0;
        for (int at = 8; at < file.Length; )
        {
            int length = System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(file.AsSpan(at));
            if (file.AsSpan(at + 4, 4).SequenceEqual("IDAT"u8))
                count++;
            at += 12 + length;
        }
        return count;
    }
}
