using System.Runtime.InteropServices;
using BenchmarkDotNet.Attributes;
using Engine.IO;
using Engine.Volumes;

namespace Engine.Benchmarks.Volumes;

// The rows that compare like for like with numpy, whose loops work on data already in memory: the normalization
// alone (the measurement), and cutting + normalizing from the band held in memory, both through the public
// PatchNormalization API as a user would call it.
public partial class VolumeBenchmarks
{
    private int _tileLength;
    private float[] _patches = [];
    private float[] _normalized = [];
    private byte[] _band = [];
    private TileOrigin[] _origins = [];
    private int _bandWidth;
    private int _bandHeight;

    /// <summary>
    /// The same 128 tiles as <see cref="TileNormalize"/>, cut and scaled ÷65535 but not normalized (numpy's
    /// <c>cut_scaled</c>), and the middle 35 slices read whole into memory.
    /// </summary>
    [GlobalSetup(Targets = [nameof(Normalize), nameof(TileNormalizeInMemory)])]
    public void OpenInMemory()
    {
        string folder = BenchmarkData.For("volume");
        _middle = TiffVolume.Open(Path.Combine(folder, "raw"), SliceRange.Parse("15..49"));
        var mask = NpyFile.ReadBytes(Path.Combine(folder, "mask.npy"));
        var grid = TileGrid.Create(mask.Data, mask.Shape[1], mask.Shape[0], tile: 256, stride: 128);
        _origins = grid.Origins[..Tiles].ToArray();
        var scaled = new VolumeTiler(_middle, grid, new VolumeTilerOptions { Scale = TileScale.Divide65535 });
        _tileLength = (int)scaled.TileLength;
        _patches = new float[(long)Tiles * _tileLength];
        _normalized = new float[_patches.Length];
        int offset = 0;
        foreach (var batch in scaled.Batches(Tiles))
        {
            batch.Data.Span.CopyTo(_patches.AsSpan(offset));
            offset += batch.Data.Length;
            batch.Dispose();
        }
        _bandWidth = _middle.Width;
        _bandHeight = _middle.Height;
        _band = new byte[(long)_middle.SliceCount * _bandHeight * _bandWidth * sizeof(ushort)];
        _middle.ReadBand(0, _bandHeight, 0, _bandWidth, _band);
    }

    /// <summary>128 float32 patches of 35 × 256 × 256 in memory, each normalized: numpy's <c>normalize</c>.</summary>
    [Benchmark]
    public void Normalize() => PatchNormalization.Normalize(_patches, _tileLength, _normalized);

    /// <summary>
    /// The 128 tiles cut from the 35 slices held in memory (zero beyond the slice's edge, as numpy pads), ÷65535
    /// and normalized: numpy's <c>tile_normalize</c> loop, tile by tile on every core.
    /// </summary>
    [Benchmark]
    public void TileNormalizeInMemory()
    {
        int tile = 256, channels = _middle!.SliceCount;
        Parallel.For(0, Tiles, () => new ushort[_tileLength], (n, _, cut) =>
        {
            var (y, x) = (_origins[n].Y, _origins[n].X);
            int rows = Math.Min(tile, _bandHeight - y), columns = Math.Min(tile, _bandWidth - x);
            if (rows < tile || columns < tile)
                cut.AsSpan().Clear();
            var band = MemoryMarshal.Cast<byte, ushort>(_band);
            for (int c = 0; c < channels; c++)
            {
                for (int r = 0; r < rows; r++)
                {
                    band.Slice((int)(((long)c * _bandHeight + y + r) * _bandWidth + x), columns)
                        .CopyTo(cut.AsSpan((c * tile + r) * tile));
                }
            }
            PatchNormalization.Normalize(cut, _tileLength, 65535f, _normalized.AsSpan((int)((long)n * _tileLength), _tileLength));
            return cut;
        }, _ => { });
    }
}
