namespace Engine.Volumes;

/// <summary>The codecs <see cref="CompressedBlocks"/> decodes itself.</summary>
internal enum BlockCodec
{
    /// <summary>zlib streams (TIFF compression 8 and 32946).</summary>
    Deflate,

    /// <summary>TIFF's LZW (compression 5), MSB-first codes with the early change.</summary>
    Lzw,

    /// <summary>Apple's PackBits (compression 32773).</summary>
    PackBits,
}
