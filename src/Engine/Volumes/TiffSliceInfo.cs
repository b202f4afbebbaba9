namespace Engine.Volumes;

/// <summary>What one slice's TIFF page says about itself (<c>engine volume info</c>).</summary>
/// <param name="Path">The file.</param>
/// <param name="Page">The page within the file, from 0 (always 0 for a directory of slice files).</param>
/// <param name="Compression">LibTiff's name of the compression, lower case: none, lzw, adobe_deflate, deflate, packbits, …</param>
/// <param name="Predictor">1 none, 2 horizontal differencing, 3 floating point.</param>
/// <param name="Tiled">Whether the page is stored in tiles rather than strips.</param>
/// <param name="BlockWidth">Width of a tile, or the image width for strips.</param>
/// <param name="BlockHeight">Height of a tile, or rows per strip.</param>
/// <param name="Blocks">Number of tiles or strips.</param>
/// <param name="BigTiff">Whether the file is BigTIFF.</param>
public sealed record TiffSliceInfo(string Path, int Page, string Compression, int Predictor, bool Tiled,
    int BlockWidth, int BlockHeight, int Blocks, bool BigTiff);
