using System.Buffers.Binary;
using Microsoft.Win32.SafeHandles;

namespace Engine.IO;

/// <summary>What <see cref="TiffLayout"/> checked of one page: enough to size every buffer before decoding.</summary>
/// <param name="Index">The page, from 0.</param>
/// <param name="Offset">Where its directory (IFD) starts in the file.</param>
/// <param name="Width">ImageWidth.</param>
/// <param name="Height">ImageLength.</param>
/// <param name="Compression">The Compression tag's value (1 none, 5 LZW, 8/32946 Deflate, 32773 PackBits, …).</param>
/// <param name="Tiled">Whether the page is stored in tiles.</param>
/// <param name="BlockWidth">Tile width, or the image width for strips.</param>
/// <param name="BlockHeight">Tile length, or rows per strip (at most the height).</param>
/// <param name="Blocks">Strips or tiles.</param>
internal sealed record TiffPage(int Index, long Offset, long Width, long Height, int Compression, bool Tiled,
    long BlockWidth, long BlockHeight, long Blocks);
