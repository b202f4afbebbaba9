using System.Collections.Concurrent;
using StbImageSharp;

namespace Engine.Torch.Identity;

/// <summary>
/// The per-image work: decode a PNG or JPEG (stb_image through StbImageSharp) to 8-bit RGB, resize bilinearly
/// (pixel centres aligned, as <c>align_corners=False</c>) to the model's size, kept as bytes (3 × size × size,
/// channel-planar) so a whole training set fits in memory; <see cref="Normalize"/> turns bytes into the model's input.
/// </summary>
public static class IdentityImage
{
    /// <summary>Mean subtracted from x / 255 for every channel.</summary>
    public const float Mean = 0.5f;

    /// <summary>Divisor after the mean: maps 0..255 to −2..2.</summary>
    public const float Std = 0.25f;

    /// <summary>Decodes a PNG or JPEG file as RGB.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is not an image stb_image reads; the message names it.</exception>
    public static (byte[] Rgb, int Width, int Height) Decode(string path)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"The image {path} does not exist.", path);
        byte[] bytes = File.ReadAllBytes(path);
        try
        {
            var image = ImageResult.FromMemory(bytes, ColorComponents.RedGreenBlue);
            return (image.Data, image.Width, image.Height);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new InvalidDataException($"{path} is not a PNG or JPEG that can be decoded: {e.Message}", e);
        }
    }

    /// <summary>Decodes and resizes one file to 3 × size × size bytes, channel-planar.</summary>
    public static byte[] Load(string path, int size, IdentityResize resize)
    {
        var (rgb, width, height) = Decode(path);
        var output = new byte[3 * size * size];
        Resize(rgb, width, height, size, resize, output);
        return output;
    }

    /// <summary>Bilinear resize of interleaved RGB to channel-planar size × size bytes.</summary>
    public static void Resize(ReadOnlySpan<byte> rgb, int width, int height, int size, IdentityResize resize, Span<byte> output)
    {
        if (rgb.Length != 3 * width * height)
            throw new ArgumentException($"rgb has {rgb.Length} bytes; {width} × {height} RGB needs {3 * width * height}.", nameof(rgb));
        if (output.Length != 3 * size * size)
            throw new ArgumentException($"output has {output.Length} bytes; 3 × {size} × {size} needs {3 * size * size}.", nameof(output));
        double x0 = 0, y0 = 0, w = width, h = height;
        if (resize == IdentityResize.CenterCrop)
        {
            double side = Math.Min(width, height);
            x0 = (width - side) / 2;
            y0 = (height - side) / 2;
            w = h = side;
        }
        int plane = size * size;
        for (int y = 0; y < size; y++)
        {
            double sy = Math.Clamp(y0 + (y + 0.5) * h / size - 0.5, 0, height - 1);
            int iy = (int)sy;
            int iy1 = Math.Min(iy + 1, height - 1);
            double fy = sy - iy;
            for (int x = 0; x < size; x++)
            {
                double sx = Math.Clamp(x0 + (x + 0.5) * w / size - 0.5, 0, width - 1);
                int ix = (int)sx;
                int ix1 = Math.Min(ix + 1, width - 1);
                double fx = sx - ix;
                for (int c = 0; c < 3; c++)
                {
                    double top = rgb[(iy * width + ix) * 3 + c] * (1 - fx) + rgb[(iy * width + ix1) * 3 + c] * fx;
                    double bottom = rgb[(iy1 * width + ix) * 3 + c] * (1 - fx) + rgb[(iy1 * width + ix1) * 3 + c] * fx;
                    output[c * plane + y * size + x] = (byte)Math.Clamp(Math.Round(top * (1 - fy) + bottom * fy), 0, 255);
                }
            }
        }
    }

    /// <summary>(x / 255 − <see cref="Mean"/>) / <see cref="Std"/>.</summary>
    public static void Normalize(ReadOnlySpan<byte> pixels, Span<float> output)
    {
        if (output.Length != pixels.Length)
            throw new ArgumentException($"output has {output.Length} values for {pixels.Length} pixels.", nameof(output));
        const float scale = 1f / (255f * Std), shift = Mean / Std;
        for (int i = 0; i < pixels.Length; i++)
            output[i] = pixels[i] * scale - shift;
    }

    /// <summary>
    /// Decodes and resizes every file, every core at once; the result keeps the files' order.
    /// </summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled (no further file starts).</exception>
    public static byte[][] LoadAll(IReadOnlyList<string> paths, int size, IdentityResize resize, CancellationToken cancellationToken = default)
    {
        var images = new byte[paths.Count][];
        try
        {
            Parallel.For(0, paths.Count, new ParallelOptions { CancellationToken = cancellationToken }, i => images[i] = Load(paths[i], size, resize));
        }
        catch (AggregateException e)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.Flatten().InnerExceptions[0]).Throw();
        }
        return images;
    }
}
