using System.Runtime.InteropServices;
using BitMiracle.LibTiff.Classic;
using Engine.IO;

namespace Engine.Tests.Volumes;

/// <summary>tests/data/volumes (made by make_volume_data.py) and small TIFFs written here for the error cases.</summary>
internal static class VolumeData
{
    public const int Width = 70, Height = 45, Slices = 3;

    public static string PathOf(string name) => TestData.PathOf("volumes", name);

    /// <summary>The three 70 × 45 uint16 slices every reader variant holds, (slice, row, column).</summary>
    public static float[] Expected => NpyFile.ReadFloat32(PathOf("slices.npy")).Data;

    /// <summary>One slice of <see cref="Expected"/> as uint16.</summary>
    public static ushort[] ExpectedSlice(int slice) =>
        Expected.AsSpan(slice * Width * Height, Width * Height).ToArray().Select(v => (ushort)v).ToArray();

    /// <summary>Writes a uint16 TIFF with LibTiff.NET, striped, uncompressed unless told.</summary>
    public static void WriteUInt16(string path, ushort[] pixels, int width, int height, Compression compression = Compression.NONE, int rowsPerStrip = 8,
        bool lastStripFirst = false)
    {
        using var tiff = Tiff.Open(path, "w");
        tiff.SetField(TiffTag.IMAGEWIDTH, width);
        tiff.SetField(TiffTag.IMAGELENGTH, height);
        tiff.SetField(TiffTag.SAMPLESPERPIXEL, 1);
        tiff.SetField(TiffTag.BITSPERSAMPLE, 16);
        tiff.SetField(TiffTag.PHOTOMETRIC, Photometric.MINISBLACK);
        tiff.SetField(TiffTag.ROWSPERSTRIP, rowsPerStrip);
        tiff.SetField(TiffTag.COMPRESSION, compression);
        var bytes = MemoryMarshal.AsBytes(pixels.AsSpan());
        int rowBytes = width * 2;
        int strips = (height + rowsPerStrip - 1) / rowsPerStrip;
        for (int i = 0; i < strips; i++)
        {
            // Writing the strips in reverse order stores them out of order in the file, as some writers do.
            int strip = lastStripFirst ? strips - 1 - i : i;
            int y = strip * rowsPerStrip, rows = Math.Min(rowsPerStrip, height - y);
            var data = bytes.Slice(y * rowBytes, rows * rowBytes).ToArray();
            tiff.WriteEncodedStrip(strip, data, data.Length);
        }
        tiff.WriteDirectory();
    }

    /// <summary>A directory of <paramref name="slices"/> generated uint16 slices (value = f(slice, y, x)), for streaming tests.</summary>
    public static void WriteGenerated(string directory, int slices, int width, int height, Compression compression = Compression.NONE)
    {
        Directory.CreateDirectory(directory);
        for (int s = 0; s < slices; s++)
            WriteUInt16(Path.Combine(directory, $"{s:D2}.tif"), Generated(s, width, height), width, height, compression, rowsPerStrip: 5);
    }

    public static ushort[] Generated(int slice, int width, int height)
    {
        var pixels = new ushort[width * height];
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
                pixels[y * width + x] = (ushort)((slice * 7919 + y * 131 + x * 17 + (x * y % 97) * 251) & 0xFFFF);
        return pixels;
    }

    /// <summary>Copies a folder of test TIFFs into <paramref name="target"/>.</summary>
    public static void CopyFolder(string source, string target)
    {
        Directory.CreateDirectory(target);
        foreach (var file in Directory.GetFiles(source))
            File.Copy(file, Path.Combine(target, Path.GetFileName(file)));
    }
}
