using Engine.IO;
using Engine.Volumes;
using static TorchSharp.torch;

namespace Engine.Torch.Tests;

public sealed class VolumeTileLoaderTests : IDisposable
{
    private const int Width = 90, Height = 70, Slices = 6, Tile = 16, Stride = 8;
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "engine-torch-tests-" + Guid.NewGuid().ToString("N"));
    private readonly TiffVolume _volume;
    private readonly TileGrid _grid;

    public VolumeTileLoaderTests()
    {
        Directory.CreateDirectory(_folder);
        for (int s = 0; s < Slices; s++)
        {
            var pixels = new float[Width * Height];
            for (int i = 0; i < pixels.Length; i++)
                pixels[i] = (s * 31 + i * 7) % 1000;
            TiffImage.Write(Path.Combine(_folder, $"{s:D2}.tif"), pixels, Width, Height);
        }
        _volume = TiffVolume.Open(_folder);
        var mask = new byte[Width * Height];
        for (int y = 5; y < 60; y++)
            mask.AsSpan(y * Width + 10, 70).Fill(255);
        _grid = TileGrid.Create(mask, Width, Height, Tile, Stride);
    }

    public void Dispose()
    {
        _volume.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    private VolumeTiler Tiler() => new(_volume, _grid, new VolumeTilerOptions { BatchSize = 5, Normalize = true });

    [Fact]
    public void The_tensors_hold_the_tilers_batches_grouped()
    {
        var expected = Tiler().Batches().Select(b => { using (b) return (b.Data.ToArray(), b.Origins.SelectMany(o => new[] { o.Y, o.X }).ToArray()); }).ToList();
        int index = 0;
        foreach (var batch in new VolumeTileLoader(Tiler(), groups: 3))
        {
            using (batch)
            {
                var (data, origins) = expected[index++];
                int count = origins.Length / 2;
                Assert.Equal([count, 3, 2, Tile, Tile], batch.Images.shape);
                Assert.Equal(ScalarType.Float32, batch.Images.dtype);
                Assert.Equal(data, batch.Images.data<float>().ToArray());
                Assert.Equal([count, 2], batch.Origins.shape);
                Assert.Equal(origins, batch.Origins.data<int>().ToArray());
            }
        }
        Assert.Equal(expected.Count, index);
        Assert.Equal(_grid.Count, expected.Sum(e => e.Item2.Length / 2));
    }

    [Fact]
    public void The_next_batch_is_cut_while_the_current_one_is_used()
    {
        long cut = 0;
        var progress = new Progress(value => Interlocked.Exchange(ref cut, value));
        using var enumerator = new VolumeTileLoader(Tiler(), prefetch: 1, progress: progress).GetEnumerator();
        Assert.True(enumerator.MoveNext());
        using (enumerator.Current)
        {
            // While "training" on batch 1, the loader has cut batch 2 (and may be cutting batch 3, which waits).
            var clock = System.Diagnostics.Stopwatch.StartNew();
            while (Interlocked.Read(ref cut) < 10 && clock.Elapsed < TimeSpan.FromSeconds(10))
                Thread.Sleep(10);
            Assert.True(Interlocked.Read(ref cut) >= 10, $"only {cut} tiles cut while the first batch was in use");
        }
    }

    [Fact]
    public void Leaving_early_stops_the_cutting_and_a_limit_is_honoured()
    {
        var tiler = Tiler();
        foreach (var batch in new VolumeTileLoader(tiler))
        {
            batch.Dispose();
            break;
        }
        var limited = new VolumeTileLoader(Tiler(), limit: 7).ToList();
        Assert.Equal([5, 2], limited.Select(b => (int)b.Images.shape[0]));
        limited.ForEach(b => b.Dispose());
        Assert.Throws<ArgumentOutOfRangeException>(() => new VolumeTileLoader(tiler, prefetch: 0));
    }

    /// <summary>IProgress that reports synchronously on the reporting thread (Progress&lt;T&gt; posts to the thread pool).</summary>
    private sealed class Progress(Action<long> report) : IProgress<long>
    {
        public void Report(long value) => report(value);
    }
}
