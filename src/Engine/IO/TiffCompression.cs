namespace Engine.IO;

/// <summary>How <see cref="TiffImage.Write(string, ReadOnlySpan{float}, int, int, TiffCompression)"/> stores the pixels.</summary>
public enum TiffCompression
{
    /// <summary>Uncompressed: the fastest to write and read, and the largest file.</summary>
    None,

    /// <summary>
    /// Deflate (zlib, TIFF compression 8) without a predictor, so that every TIFF reader opens it, tifffile without
    /// imagecodecs included.
    /// </summary>
    Deflate,
}
