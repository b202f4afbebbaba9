using System.Numerics.Tensors;

namespace Engine.IO;

/// <summary>
/// Reads and writes 2D maps — probability maps, fragment masks, ink masks — choosing the format by the file's
/// extension (.npy, .tif/.tiff, .png), so a command or a script takes whichever its user has.
/// </summary>
public static class MapFile
{
    /// <summary>Reads a probability map as float32.</summary>
    /// <remarks>
    /// .npy: a 2D array (or 3D with a leading 1, or 1D as one row) of float32, or float64/float16/integers
    /// converted value by value; .tif/.tiff: the first page as stored (<see cref="TiffImage.Read"/>); .png: 8-bit
    /// gray scaled to [0, 1] (value ÷ 255).
    /// </remarks>
    /// <param name="path">The file.</param>
    /// <returns>The map, row-major.</returns>
    /// <exception cref="NotSupportedException">The extension is none of .npy, .tif, .tiff, .png, or the array is not 2D.</exception>
    /// <exception cref="InvalidDataException">The file is malformed (the reader's message names it).</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static GrayImage<float> ReadProbabilities(string path) => Extension(path) switch
    {
        ".npy" => FromNpy(path, NpyFile.ReadFloat32(path)),
        ".tif" or ".tiff" => TiffImage.Read(path),
        ".png" => Scaled(PngImage.Read(path)),
        _ => throw Unsupported(path),
    };

    /// <summary>Reads a mask as 0/1 bytes: every non-zero pixel becomes 1.</summary>
    /// <remarks>.npy: bool, uint8 or any numeric array (non-zero = 1); .tif/.tiff and .png: any pixel above 0.</remarks>
    /// <param name="path">The file.</param>
    /// <returns>The mask, row-major, 0 or 1 per pixel.</returns>
    /// <exception cref="NotSupportedException">The extension is none of .npy, .tif, .tiff, .png, or the array is not 2D.</exception>
    /// <exception cref="InvalidDataException">The file is malformed (the reader's message names it).</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static GrayImage<byte> ReadMask(string path)
    {
        var image = Extension(path) switch
        {
            ".npy" => NpyFile.ReadHeader(path).Dtype is NpyDtype.UInt8 or NpyDtype.Bool
                ? FromNpy(path, NpyFile.ReadBytes(path))
                : Binarized(FromNpy(path, NpyFile.ReadFloat32(path))),
            ".tif" or ".tiff" => Binarized(TiffImage.Read(path)),
            ".png" => PngImage.Read(path),
            _ => throw Unsupported(path),
        };
        var pixels = image.Pixels;
        for (int i = 0; i < pixels.Length; i++)
            pixels[i] = pixels[i] != 0 ? (byte)1 : (byte)0;
        return image;
    }

    /// <summary>
    /// Reads an array of any shape flat, keeping float64 as float64 (so a quantile of it matches numpy's on the
    /// same array) and everything else as float32 (as <see cref="ReadProbabilities"/> does).
    /// </summary>
    /// <param name="path">The file.</param>
    /// <returns>Either the float32 or the float64 values; the other is null.</returns>
    /// <exception cref="NotSupportedException">The extension is none of .npy, .tif, .tiff, .png.</exception>
    /// <exception cref="InvalidDataException">The file is malformed (the reader's message names it).</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static (float[]? Floats, double[]? Doubles) ReadValues(string path)
    {
        if (Extension(path) != ".npy")
            return (ReadProbabilities(path).Pixels, null);
        return NpyFile.ReadHeader(path).Dtype == NpyDtype.Float64
            ? (null, NpyFile.ReadFloat64(path).Data)
            : (NpyFile.ReadFloat32(path).Data, null);
    }

    /// <summary>
    /// Opens the values of a map as <see cref="ReadValues"/> reads them, without copying where the file allows: a
    /// float32 or float64 .npy is memory-mapped (<see cref="NpyFile.Map"/>), so a cached file costs what touching
    /// the page cache does; other dtypes and formats are read into an array.
    /// </summary>
    /// <param name="path">The file.</param>
    /// <returns>The values; dispose them when done.</returns>
    /// <exception cref="NotSupportedException">The extension is none of .npy, .tif, .tiff, .png.</exception>
    /// <exception cref="InvalidDataException">The file is malformed (the reader's message names it).</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static MapValues OpenValues(string path)
    {
        if (Extension(path) == ".npy" && NpyFile.ReadHeader(path) is { Dtype: NpyDtype.Float32 or NpyDtype.Float64 } header
            && header.ElementCount <= int.MaxValue)
            return new MapValues(NpyFile.Map(path));
        var (floats, doubles) = ReadValues(path);
        return new MapValues(floats, doubles);
    }

    /// <summary>Writes a 0/1 mask: .png as 0/255 (what image viewers and the ink-detection labels use), .npy as uint8 0/1.</summary>
    /// <param name="path">The file to write; its extension picks the format.</param>
    /// <param name="mask">The mask; non-zero pixels are written as 255 (.png) or 1 (.npy).</param>
    /// <exception cref="NotSupportedException">The extension is neither .png nor .npy.</exception>
    /// <exception cref="IOException">The file cannot be written.</exception>
    public static void WriteMask(string path, GrayImage<byte> mask)
    {
        var pixels = new byte[mask.Pixels.Length];
        // min(value, 1) is 0 for 0 and 1 for any other byte: the 0/1 mask in one vectorized pass.
        TensorPrimitives.Min(mask.Pixels, (byte)1, pixels);
        switch (Extension(path))
        {
            case ".png":
                TensorPrimitives.Multiply(pixels, (byte)255, pixels);
                PngImage.Write(path, pixels, mask.Width, mask.Height);
                break;
            case ".npy":
                NpyFile.Write(path, pixels, [mask.Height, mask.Width]);
                break;
            default:
                throw new NotSupportedException($"{path}: a mask is written as .png or .npy.");
        }
    }

    /// <summary>Writes a probability map: .npy and .tif/.tiff (uncompressed) as float32, .png as an 8-bit preview.</summary>
    /// <param name="path">The file to write; its extension picks the format.</param>
    /// <param name="map">The map.</param>
    /// <exception cref="NotSupportedException">The extension is none of .npy, .tif, .tiff, .png.</exception>
    /// <exception cref="IOException">The file cannot be written.</exception>
    public static void WriteProbabilities(string path, GrayImage<float> map)
    {
        switch (Extension(path))
        {
            case ".npy":
                NpyFile.Write(path, map.Pixels, [map.Height, map.Width]);
                break;
            case ".tif" or ".tiff":
                // Uncompressed: LibTiff.NET deflates at about 20 MB/s, 20 s for a 10,000 × 10,000 map.
                TiffImage.Write(path, map.Pixels, map.Width, map.Height);
                break;
            case ".png":
                PngImage.WriteProbabilityMap(path, map.Pixels, map.Width, map.Height);
                break;
            default:
                throw Unsupported(path);
        }
    }

    /// <summary>
    /// The size a map file declares, read from its header only (a PNG's IHDR, an .npy header), so that commands
    /// can compare their inputs before decoding any of them; null for TIFF, whose reader checks its own sizes.
    /// </summary>
    /// <param name="path">The file.</param>
    /// <returns>Width and height as <see cref="ReadProbabilities"/> and <see cref="ReadMask"/> would return them, or null.</returns>
    /// <exception cref="NotSupportedException">The extension is none of .npy, .tif, .tiff, .png, or the array is not 2D.</exception>
    /// <exception cref="InvalidDataException">The header is malformed or declares a size over the reader's limits.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static (int Width, int Height)? ReadSize(string path)
    {
        switch (Extension(path))
        {
            case ".png":
                return PngImage.ReadSize(path);
            case ".npy":
                var shape = NpyFile.ReadHeader(path).Shape;
                return shape switch
                {
                    [var h, var w] => (w, h),
                    [1, var h, var w] => (w, h),
                    [var w] => (w, 1),
                    _ => throw new NotSupportedException($"{path} holds an array of shape ({string.Join(", ", shape)}); a map is 2D (height, width)."),
                };
            case ".tif" or ".tiff":
                return null;
            default:
                throw Unsupported(path);
        }
    }

    /// <summary>
    /// Throws unless every file that declares its size in a header (<see cref="ReadSize"/>) declares the same one
    /// as the first, before anything is decoded; null paths (options not given) are skipped.
    /// </summary>
    /// <param name="paths">The files, the reference first.</param>
    /// <exception cref="ArgumentException">Two sizes differ; the message names both files.</exception>
    /// <inheritdoc cref="ReadSize" path="/exception"/>
    public static void RequireSameDeclaredSize(params string?[] paths)
    {
        (int Width, int Height)? first = null;
        string? firstPath = null;
        foreach (string? path in paths)
        {
            if (path is null || ReadSize(path) is not { } size)
                continue;
            if (first is not { } f)
            {
                (first, firstPath) = (size, path);
                continue;
            }
            if (size != f)
                throw new ArgumentException($"{path} is {size.Height} × {size.Width} (height × width) but {firstPath} is {f.Height} × {f.Width}; they must be the same size.");
        }
    }

    /// <summary>Throws unless two maps read from files have the same size, naming both files.</summary>
    /// <param name="map">One map.</param>
    /// <param name="mapPath">The file it came from.</param>
    /// <param name="other">The other map.</param>
    /// <param name="otherPath">The file it came from.</param>
    /// <exception cref="ArgumentException">The sizes differ.</exception>
    public static void RequireSameSize<TA, TB>(GrayImage<TA> map, string mapPath, GrayImage<TB> other, string otherPath)
    {
        if (map.Width != other.Width || map.Height != other.Height)
            throw new ArgumentException($"{otherPath} is {other.Height} × {other.Width} (height × width) but {mapPath} is {map.Height} × {map.Width}; they must be the same size.");
    }

    /// <summary>Reads a mask that must be the size of <paramref name="map"/> (a truth or a region over it).</summary>
    /// <exception cref="ArgumentException">The sizes differ; the message names both files.</exception>
    public static GrayImage<byte> ReadMaskLike<T>(string path, GrayImage<T> map, string mapPath)
    {
        var mask = ReadMask(path);
        RequireSameSize(map, mapPath, mask, path);
        return mask;
    }

    private static string Extension(string path) => Path.GetExtension(path).ToLowerInvariant();

    private static NotSupportedException Unsupported(string path) =>
        new($"{path}: unknown map format '{Path.GetExtension(path)}'; use .npy, .tif, .tiff or .png.");

    private static GrayImage<T> FromNpy<T>(string path, NpyArray<T> array)
    {
        var shape = array.Shape;
        return shape switch
        {
            [var h, var w] => new GrayImage<T>(w, h, array.Data),
            [1, var h, var w] => new GrayImage<T>(w, h, array.Data),
            [var w] => new GrayImage<T>(w, 1, array.Data),
            _ => throw new NotSupportedException($"{path} holds an array of shape ({string.Join(", ", shape)}); a map is 2D (height, width)."),
        };
    }

    private static GrayImage<float> Scaled(GrayImage<byte> image)
    {
        var values = new float[image.Pixels.Length];
        for (int i = 0; i < values.Length; i++)
            values[i] = image.Pixels[i] / 255f;
        return new GrayImage<float>(image.Width, image.Height, values);
    }

    private static GrayImage<byte> Binarized(GrayImage<float> image)
    {
        var pixels = new byte[image.Pixels.Length];
        for (int i = 0; i < pixels.Length; i++)
            pixels[i] = image.Pixels[i] != 0 ? (byte)1 : (byte)0;
        return new GrayImage<byte>(image.Width, image.Height, pixels);
    }
}
