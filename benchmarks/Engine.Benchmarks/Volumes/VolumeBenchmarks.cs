using BenchmarkDotNet.Attributes;
using Engine.IO;
using Engine.Volumes;

namespace Engine.Benchmarks.Volumes;

/// <summary>
/// The TIFF-volume hot path on the files benchmarks/peers/volume.py writes and times with tifffile and numpy: reading
/// a 65-slice 2048 × 2048 uint16 stack (one file per slice, uncompressed and Deflate) whole, and cutting 128 tiles
/// of 35 × 256 × 256 over the mask, scaled ÷65535 and normalized per tile. The baseline is a copy of the stack's
/// 545 MB, the memory floor.
/// </summary>
[Config(typeof(CoresConfig))]
public partial class VolumeBenchmarks
{
    /// <summary>Tiles cut by <see cref="TileNormalize"/>, as the peer cuts them.</summary>
    private const int Tiles = 128;

    private TiffVolume? _raw;
    private TiffVolume? _deflate;
    private TiffVolume? _middle;
    private VolumeTiler? _tiler;
    private byte[] _stack = [];
    private byte[] _copy = [];

    [GlobalSetup]
    public void Open()
    {
        string folder = BenchmarkData.For("volume");
        _raw = TiffVolume.Open(Path.Combine(folder, "raw"));
        _deflate = TiffVolume.Open(Path.Combine(folder, "deflate"));
        _middle = TiffVolume.Open(Path.Combine(folder, "raw"), SliceRange.Parse("15..49"));
        var mask = NpyFile.ReadBytes(Path.Combine(folder, "mask.npy"));
        var grid = TileGrid.Create(mask.Data, mask.Shape[1], mask.Shape[0], tile: 256, stride: 128);
        // One tiler for every call, as one serves every epoch of a training run: its band and batch buffers are
        // allocated once.
        _tiler = new VolumeTiler(_middle, grid, new VolumeTilerOptions { Scale = TileScale.Divide65535, Normalize = true });
        _stack = new byte[_raw.UncompressedBytes];
        _copy = new byte[_raw.UncompressedBytes];
    }

    [GlobalCleanup]
    public void Close()
    {
        _raw?.Dispose();
        _deflate?.Dispose();
        _middle?.Dispose();
    }

    [Benchmark(Baseline = true)]
    public void CopyStack() => _stack.AsSpan().CopyTo(_copy);

    [Benchmark]
    public void ReadRaw() => _raw!.ReadBand(0, _raw.Height, 0, _raw.Width, _stack);

    [Benchmark]
    public void ReadDeflate() => _deflate!.ReadBand(0, _deflate.Height, 0, _deflate.Width, _stack);

    [Benchmark]
    public int TileNormalize()
    {
        int tiles = 0;
        foreach (var batch in _tiler!.Batches(Tiles))
        {
            tiles += batch.Count;
            batch.Dispose();
        }
        return tiles;
    }
}
