using StbImageSharp;
using ReadComponents = StbImageSharp.ColorComponents;

namespace Engine.IO;

/// <summary>
/// Reads and writes 8-bit grayscale PNGs — masks and probability-map previews — reading with stb_image
/// (StbImageSharp), writing with <see cref="PngEncoder"/> (.NET's zlib).
/// </summary>
public static class PngImage
{
    /// <summary>Reads a PNG as 8-bit grayscale.</summary>
    /// <remarks>
    /// <para>What each kind of PNG becomes (stb_image's conversions):</para>
    /// <list type="bullet">
    /// <item>8-bit gray: as stored.</item>
    /// <item>1-, 2- and 4-bit gray: scaled to 0..255, so a 1-bit mask reads as 0 and 255 (not 0 and 1); 2-bit
    /// values are multiplied by 85, 4-bit by 17.</item>
    /// <item>16-bit: the high byte of each sample (<c>v &gt;&gt; 8</c>, truncating, not rounding): 65535 reads as
    /// 255, 257·k as k — and a 16-bit label image whose values are all below 256 reads as all zeros, so convert
    /// such files to 8 bits before reading them here.</item>
    /// <item>Gray + alpha: the gray channel; alpha is dropped.</item>
    /// <item>RGB, RGBA and palette images: accepted only if every pixel has R = G = B, then that value; alpha is
    /// dropped.</item>
    /// </list>
    /// <para>Before decoding, the whole file is checked (see docs/cli.md, "Input limits and errors"): every chunk's
    /// CRC-32, IHDR's fields, the zlib header, that the image data inflates to exactly the bytes IHDR implies and
    /// that the zlib stream with its Adler-32 ends exactly at the end of the IDAT data. At most
    /// <see cref="MaxPixels"/> pixels are read.</para>
    /// </remarks>
    /// <param name="path">The PNG file.</param>
    /// <returns>The image, one byte per pixel, row-major.</returns>
    /// <exception cref="InvalidDataException">The file is not a PNG, is truncated or corrupt, declares more than <see cref="MaxPixels"/> pixels, or is a colour image.</exception>
    /// <exception cref="IOException">The file cannot be opened or read.</exception>
    public static GrayImage<byte> Read(string path)
    {
        // The declared size is checked against the limits before the whole file is read.
        ReadSize(path);
        byte[] file = File.ReadAllBytes(path);
        var header = PngIntegrity.Check(file, path, out byte[]? pixels);
        if (pixels is not null)
            return new GrayImage<byte>(header.Width, header.Height, pixels);
        using var stream = new MemoryStream(file, writable: false);

        ImageResult image;
        bool gray;
        try
        {
            var info = ImageInfo.FromStream(stream)
                ?? throw new InvalidOperationException("cannot read the image header");
            gray = info.ColorComponents is ReadComponents.Grey or ReadComponents.GreyAlpha;
            // Gray files are converted by stb itself; colour ones are read as RGB so that R = G = B can be checked.
            image = ImageResult.FromStream(stream, gray ? ReadComponents.Grey : ReadComponents.RedGreenBlue);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // stb reports bad data as InvalidOperationException with its own short reason ("bad zlib header",
            // "invalid filter", …); anything else it throws on a malformed file is turned into the same error.
            throw new InvalidDataException($"{path} is a corrupt PNG: stb_image says \"{PrintableText.Escape(e.Message)}\".", e);
        }
        return new GrayImage<byte>(image.Width, image.Height, gray ? image.Data : GrayFromRgb(image, path));
    }

    /// <summary>The most pixels <see cref="Read"/> accepts: 2^30 (e.g. 32,768 × 32,768), 1 GiB as 8-bit gray.</summary>
    public const long MaxPixels = PngIntegrity.MaxPixels;

    /// <summary>Reads only the signature and IHDR chunk (33 bytes): the declared size, checked against the limits.</summary>
    /// <remarks>Commands compare their inputs' sizes with this before decoding any of them.</remarks>
    /// <param name="path">The PNG file.</param>
    /// <returns>The declared header.</returns>
    /// <exception cref="InvalidDataException">The file is not a PNG, its IHDR is corrupt (CRC included) or declares a size over the limits.</exception>
    /// <exception cref="IOException">The file cannot be opened or read.</exception>
    public static PngHeader ReadHeader(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1);
        Span<byte> start = stackalloc byte[33];
        int got = stream.ReadAtLeast(start, start.Length, throwOnEndOfStream: false);
        return PngIntegrity.ReadHeader(start[..got], stream.Length, path);
    }

    /// <summary>The declared width and height (<see cref="ReadHeader"/>).</summary>
    /// <inheritdoc cref="ReadHeader"/>
    public static (int Width, int Height) ReadSize(string path)
    {
        var header = ReadHeader(path);
        return (header.Width, header.Height);
    }

    /// <summary>Writes 8-bit grayscale pixels as a PNG, replacing any existing file.</summary>
    /// <param name="path">The PNG file to write.</param>
    /// <param name="pixels">The <paramref name="width"/> × <paramref name="height"/> pixels, row-major, top row first.</param>
    /// <param name="width">Pixels per row, at least 1.</param>
    /// <param name="height">Rows, at least 1.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="width"/> or <paramref name="height"/> is below 1.</exception>
    /// <exception cref="ArgumentException"><paramref name="pixels"/> does not hold width × height values.</exception>
    /// <exception cref="IOException">The file cannot be created or written.</exception>
    public static void Write(string path, ReadOnlySpan<byte> pixels, int width, int height)
    {
        CheckSize(path, pixels.Length, width, height, nameof(pixels));
        PngEncoder.Write(path, pixels, width, height, channels: 1);
    }

    /// <summary>Writes a map of values in [0, 1], such as ink probabilities, as an 8-bit grayscale PNG preview.</summary>
    /// <remarks>
    /// Each value is clamped to [0, 1], multiplied by 255 in float32 and rounded half away from zero, so 0.5 becomes
    /// 128 and 1/255 becomes 1. NaN becomes 0, as masked-out regions of a probability map often hold NaN.
    /// </remarks>
    /// <param name="path">The PNG file to write.</param>
    /// <param name="values">The <paramref name="width"/> × <paramref name="height"/> values, row-major, top row first.</param>
    /// <param name="width">Pixels per row, at least 1.</param>
    /// <param name="height">Rows, at least 1.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="width"/> or <paramref name="height"/> is below 1.</exception>
    /// <exception cref="ArgumentException"><paramref name="values"/> does not hold width × height values.</exception>
    /// <exception cref="IOException">The file cannot be created or written.</exception>
    public static void WriteProbabilityMap(string path, ReadOnlySpan<float> values, int width, int height)
    {
        CheckSize(path, values.Length, width, height, nameof(values));
        var pixels = new byte[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            float v = values[i];
            pixels[i] = float.IsNaN(v) ? (byte)0 : (byte)MathF.Round(Math.Clamp(v, 0f, 1f) * 255f, MidpointRounding.AwayFromZero);
        }
        Write(path, pixels, width, height);
    }

    private static void CheckSize(string path, int length, int width, int height, string paramName)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        if (length != (long)width * height)
            throw new ArgumentException($"A {width}×{height} image for {path} needs {(long)width * height} values, not {length}.", paramName);
    }

    /// <summary>The R channel of RGB pixels, provided every pixel has R = G = B.</summary>
    private static byte[] GrayFromRgb(ImageResult image, string path)
    {
        byte[] rgb = image.Data;
        var gray = new byte[rgb.Length / 3];
        for (int i = 0; i < gray.Length; i++)
        {
            byte r = rgb[3 * i], g = rgb[3 * i + 1], b = rgb[3 * i + 2];
            if (r != g || r != b)
                throw new InvalidDataException(
                    $"{path} is a color image; expected a grayscale mask (pixel x={i % image.Width}, y={i / image.Width} is R={r} G={g} B={b}).");
            gray[i] = r;
        }
        return gray;
    }
}
