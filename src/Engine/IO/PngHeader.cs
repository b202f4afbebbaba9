using System.Buffers;
using System.Buffers.Binary;
using System.IO.Compression;
using System.IO.Hashing;

namespace Engine.IO;

/// <summary>What a PNG's IHDR chunk declares.</summary>
/// <param name="Width">Pixels per row.</param>
/// <param name="Height">Rows.</param>
/// <param name="BitDepth">Bits per sample: 1, 2, 4, 8 or 16.</param>
/// <param name="ColorType">0 gray, 2 RGB, 3 palette, 4 gray + alpha, 6 RGBA.</param>
/// <param name="Interlaced">Adam7 interlacing.</param>
public readonly record struct PngHeader(int Width, int Height, int BitDepth, int ColorType, bool Interlaced)
{
    /// <summary>Samples per pixel as stored (a palette index is one).</summary>
    public int Channels => ColorType switch { 2 => 3, 4 => 2, 6 => 4, _ => 1 };

    /// <summary>Bytes the IDAT data must inflate to: per row (of each Adam7 pass) one filter byte and the packed samples.</summary>
    public long InflatedBytes
    {
        get
        {
            if (!Interlaced)
                return Rows(Width, Height);
            long total = 0;
            // Adam7: (x start, y start, x step, y step) of the seven passes; an empty pass has no rows at all.
            ReadOnlySpan<int> passes = [0, 0, 8, 8, 4, 0, 8, 8, 0, 4, 4, 8, 2, 0, 4, 4, 0, 2, 2, 4, 1, 0, 2, 2, 0, 1, 1, 2];
            for (int p = 0; p < passes.Length; p += 4)
            {
                long w = (Width - passes[p] + passes[p + 2] - 1L) / passes[p + 2];
                long h = (Height - passes[p + 1] + passes[p + 3] - 1L) / passes[p + 3];
                if (w > 0 && h > 0)
                    total += Rows(w, h);
            }
            return total;
        }
    }

    private long Rows(long width, long height) => height * (1 + (width * Channels * BitDepth + 7) / 8);
}
