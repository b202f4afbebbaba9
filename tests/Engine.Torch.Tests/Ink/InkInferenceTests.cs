using Engine.IO;
using Engine.Segmentation;
using Engine.Torch.Ink;
using Engine.Volumes;
using static TorchSharp.torch;

namespace Engine.Torch.Tests.Ink;

public sealed class InkInferenceTests : IDisposable
{
    private const int Width = 200, Height = 150, Slices = 8, Tile = 64;
    private static readonly InkInput Input = new() { Slices = new SliceRange(2, 5), Tile = Tile, Scale = TileScale.Divide65535, Normalize = true };
    private readonly InferenceFragment _fragment = new(Width, Height, Slices);
    private readonly string _output = Path.Combine(Path.GetTempPath(), "engine-ink-out-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        _fragment.Dispose();
        if (Directory.Exists(_output))
            Directory.Delete(_output, recursive: true);
    }

    private InkInferenceResult Run(InkInferenceOptions options, params nn.Module<Tensor, Tensor>[] models) =>
        InkInference.Run(_fragment.Directory, models, Input, _output, options);

    [Fact]
    public void The_map_equals_the_same_model_stitched_in_memory_bit_for_bit()
    {
        using var model = new TinyInkNet(Input.Slices.Count, seed: 1);
        var options = new InkInferenceOptions { Stride = 32, BatchSize = 5, Inner = 48, MemoryBudget = 8 << 20 };
        var result = Run(options, model);

        // The reference: the same tiles, the same model, sigmoid, one in-memory stitcher.
        TorchRuntime.EnsureLoaded();
        using var volume = TiffVolume.Open(Path.Combine(_fragment.Directory, "surface_volume"), Input.Slices);
        var grid = TileGrid.Create(_fragment.Mask, Width, Height, Tile, 32);
        var tiler = new VolumeTiler(volume, grid, new VolumeTilerOptions { BatchSize = 5, Scale = Input.Scale, Normalize = true });
        var stitcher = new SlidingWindowStitcher(Height, Width, Tile / 32, Tile / 32,
            new StitchOptions { Factor = 32, AlignCorners = true, Inner = 48, KeepEdges = true });
        model.eval();
        using (no_grad())
        {
            foreach (var batch in new VolumeTileLoader(tiler))
            {
                using (batch)
                using (var scope = NewDisposeScope())
                    stitcher.Add(model.forward(batch.Images).sigmoid().data<float>().ToArray(), batch.Origins.data<int>().ToArray());
            }
        }
        var expected = stitcher.Finish(_fragment.Mask);

        var map = NpyFile.ReadFloat32(result.ProbabilityNpy);
        Assert.Equal([Height, Width], map.Shape);
        Assert.Equal(expected, map.Data);
        Assert.Contains(map.Data, v => v is > 0 and < 1);
        Assert.Equal(grid.Count, result.Tiles);
        Assert.Equal(32, result.Stride);

        // The threshold is the 0.93-quantile within the mask, and the ink is the map above it, inside the mask.
        Assert.Equal(Quantile.Compute(expected, 0.93, _fragment.Mask), result.Threshold);
        var ink = MapFile.ReadMask(result.InkPng);
        Assert.Equal(Threshold.Apply(expected, result.Threshold, _fragment.Mask).Ink, ink.Pixels);
        Assert.Equal(ink.Pixels.Count(p => p != 0), result.InkPixels);
        Assert.True(result.InkPixels > 0);

        var tiff = TiffImage.Read(result.ProbabilityTiff);
        Assert.Equal(expected, tiff.Pixels);
        var png = PngImage.Read(result.ProbabilityPng);
        Assert.Equal((Width, Height), (png.Width, png.Height));
        Assert.True(File.Exists(result.OverlayPng));
        Assert.NotNull(result.Score);
        Assert.Equal(_fragment.Mask.Count(m => m != 0), result.Score.Value.Total);
    }

    [Fact]
    public void Flips_change_the_map_and_both_stay_probabilities()
    {
        using var model = new TinyInkNet(Input.Slices.Count, seed: 2);
        var plain = NpyFile.ReadFloat32(Run(new InkInferenceOptions { Tta = InkTta.None }, model).ProbabilityNpy).Data;
        var flips = Run(new InkInferenceOptions { Tta = InkTta.Flips }, model);
        var flipped = NpyFile.ReadFloat32(flips.ProbabilityNpy).Data;
        var distributed = NpyFile.ReadFloat32(Run(new InkInferenceOptions { Tta = InkTta.Distributed }, model).ProbabilityNpy).Data;

        Assert.NotEqual(plain, flipped);
        Assert.NotEqual(plain, distributed);
        Assert.NotEqual(flipped, distributed);
        foreach (var map in new[] { plain, flipped, distributed })
        {
            Assert.All(map, v => Assert.InRange(v, 0f, 1f));
            for (int i = 0; i < map.Length; i++)
            {
                if (_fragment.Mask[i] == 0)
                    Assert.Equal(0f, map[i]);
            }
        }
        Assert.Equal(3L * flips.Tiles, flips.ModelWindows);
        Assert.Equal(Tile / 2, flips.Stride);
    }

    [Fact]
    public void An_ensemble_is_the_mean_of_its_models_probabilities()
    {
        using var a = new TinyInkNet(Input.Slices.Count, seed: 3);
        using var b = new TinyInkNet(Input.Slices.Count, seed: 4);
        var options = new InkInferenceOptions { Stride = 64 };
        var mapA = NpyFile.ReadFloat32(Run(options, a).ProbabilityNpy).Data;
        var mapB = NpyFile.ReadFloat32(Run(options, b).ProbabilityNpy).Data;
        var both = Run(options, a, b);
        var ensemble = NpyFile.ReadFloat32(both.ProbabilityNpy).Data;
        Assert.Equal(2, both.Models);
        Assert.NotEqual(mapA, mapB);
        // Means of upsampled means: equal to the mean of the two maps up to float32 rounding.
        for (int i = 0; i < ensemble.Length; i++)
            Assert.InRange(ensemble[i] - (mapA[i] + mapB[i]) / 2, -1e-6f, 1e-6f);
    }

    [Fact]
    public void Memory_stays_within_a_budget_smaller_than_the_volume()
    {
        const int side = 512, slices = 65, tile = 64;
        using var big = new InferenceFragment(side, side, slices, labels: false);
        var input = new InkInput { Slices = new SliceRange(0, 64), Tile = tile, Scale = TileScale.Raw, Normalize = true };
        long budget = 24L << 20;
        long volumeBytes = (long)side * side * slices * sizeof(float);
        Assert.True(volumeBytes > 2 * budget);
        using var model = new TinyInkNet(slices, seed: 5);
        var result = InkInference.Run(big.Directory, [model], input, _output, new InkInferenceOptions { Stride = 32, BatchSize = 2, MemoryBudget = budget });

        // What grows with the fragment, at its peak during the models' run, and then at the end.
        long stitcherPeak = 5L * sizeof(float) * side * (result.StitcherBandRows + 2L * tile);
        Assert.True(result.StitcherBandRows < side, $"bands of {result.StitcherBandRows} rows: the map was held whole");
        Assert.True(stitcherPeak <= result.StitcherBudget);
        Assert.True(result.TilerPeakBytes > 0);
        Assert.True(result.FixedBytes + result.TilerPeakBytes + result.StitcherBudget <= budget,
            $"mask+grid {result.FixedBytes:N0} + tiler {result.TilerPeakBytes:N0} + stitcher {result.StitcherBudget:N0} > {budget:N0}");
        Assert.True(result.FixedBytes + result.OutputBytes <= budget);
        Assert.True(result.Seconds.Read > 0 && result.Seconds.Tile > 0 && result.Seconds.Model > 0 && result.Seconds.Stitch > 0);
        Assert.True(result.Seconds.Total >= result.Seconds.Model + result.Seconds.Stitch + result.Seconds.Threshold + result.Seconds.Write);
        Assert.Equal([side, side], NpyFile.ReadFloat32(result.ProbabilityNpy).Shape);
    }

    [Fact]
    public void Checkpoints_run_as_an_ensemble_only_when_they_cut_the_same_input()
    {
        var config = new InkModelConfig { Groups = 2, ChannelsPerGroup = 2, Widths = [4, 4, 4, 4, 4], NeckChannels = 4, Blocks3d = 1 };
        using var folder = new InkTestFolder();
        var metrics = new Dictionary<string, double>();
        TorchRuntime.EnsureLoaded();
        using (var a = new InkModel(config))
            InkCheckpoint.Save(folder.Sub("a"), a, Input, metrics);
        using (var b = new InkModel(config))
            InkCheckpoint.Save(folder.Sub("b"), b, Input, metrics);
        using (var c = new InkModel(config))
            InkCheckpoint.Save(folder.Sub("c"), c, Input with { Slices = new SliceRange(3, 6) }, metrics);

        var result = InkInference.Run(_fragment.Directory, [folder.Sub("a"), folder.Sub("b")], _output, new InkInferenceOptions { Stride = 64 });
        Assert.Equal(2, result.Models);
        Assert.Equal("cpu", result.Device);
        Assert.Equal([Height, Width], NpyFile.ReadFloat32(result.ProbabilityNpy).Shape);

        var error = Assert.Throws<ArgumentException>(() => InkInference.Run(_fragment.Directory, [folder.Sub("a"), folder.Sub("c")], _output));
        Assert.Contains(folder.Sub("a"), error.Message);
        Assert.Contains(folder.Sub("c"), error.Message);
        Assert.Contains("slices 3..6", error.Message);
        Assert.Throws<DirectoryNotFoundException>(() => InkInference.Run(_fragment.Directory, [folder.Sub("none")], _output));
    }

    [Fact]
    public void Bad_options_and_fragments_are_named()
    {
        using var model = new TinyInkNet(Input.Slices.Count, seed: 6);
        var percentile = Assert.Throws<ArgumentOutOfRangeException>(() => Run(new InkInferenceOptions { Quantile = 93 }, model));
        Assert.Contains("Quantile 93", percentile.Message);
        var budget = Assert.Throws<ArgumentException>(() => Run(new InkInferenceOptions { MemoryBudget = 100_000 }, model));
        Assert.Contains("too small", budget.Message);
        var missing = Assert.Throws<DirectoryNotFoundException>(() => InkInference.Run(_fragment.Directory + "-nowhere", [model], Input, _output));
        Assert.Contains("-nowhere", missing.Message);
        File.Delete(Path.Combine(_fragment.Directory, "mask.png"));
        var mask = Assert.Throws<FileNotFoundException>(() => Run(new InkInferenceOptions(), model));
        Assert.Contains("mask.png", mask.Message);
    }

    [Fact]
    public void A_mask_declaring_a_huge_image_is_refused_from_its_header_before_it_is_decoded()
    {
        // A valid PNG of 30,000 × 30,000 zeros (under 1 MB on disk): decoding it would take 900 MB.
        string maskPath = Path.Combine(_fragment.Directory, "mask.png");
        File.WriteAllBytes(maskPath, ZeroPng(30_000, 30_000));
        using var model = new TinyInkNet(Input.Slices.Count, seed: 7);
        long before = GC.GetAllocatedBytesForCurrentThread();
        var error = Assert.Throws<InvalidDataException>(() => Run(new InkInferenceOptions(), model));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Contains("mask.png is 30000×30000 px", error.Message);
        Assert.True(allocated < 64 << 20, $"{allocated:N0} bytes allocated before the error");
        Assert.False(Directory.Exists(_output));
    }

    /// <summary>An 8-bit gray PNG of zeros, compressed as it is streamed, so the test never holds the pixels.</summary>
    private static byte[] ZeroPng(int width, int height)
    {
        using var idat = new MemoryStream();
        using (var zlib = new System.IO.Compression.ZLibStream(idat, System.IO.Compression.CompressionLevel.SmallestSize, leaveOpen: true))
        {
            var row = new byte[width + 1];
            for (int y = 0; y < height; y++)
                zlib.Write(row);
        }
        var ihdr = new byte[13];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(ihdr, width);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), height);
        ihdr[8] = 8; // bit depth; colour type 0 (gray), compression, filter and interlace 0
        using var png = new MemoryStream();
        png.Write([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]);
        Chunk(png, "IHDR", ihdr);
        Chunk(png, "IDAT", idat.ToArray());
        Chunk(png, "IEND", []);
        return png.ToArray();

        static void Chunk(Stream png, string type, byte[] data)
        {
            var header = new byte[8];
            System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(header, data.Length);
            System.Text.Encoding.ASCII.GetBytes(type, header.AsSpan(4));
            png.Write(header);
            png.Write(data);
            var crc = new System.IO.Hashing.Crc32();
            crc.Append(header.AsSpan(4));
            crc.Append(data);
            var sum = new byte[4];
            System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(sum, crc.GetCurrentHashAsUInt32());
            png.Write(sum);
        }
    }

    [Fact]
    public void A_model_that_predicts_NaN_is_stopped_naming_the_batch_and_tile()
    {
        using var model = new NaNAfter(new TinyInkNet(Input.Slices.Count, seed: 7), batches: 2);
        var error = Assert.Throws<NonFiniteValueException>(() => Run(new InkInferenceOptions { Stride = 32, BatchSize = 4 }, model));
        Assert.Contains("model 0 predicted NaN or Inf in batch 3", error.Message);
        Assert.Contains("for the tile at y ", error.Message);
        // The stitcher had begun prob.npy: nothing of the run is left, not even the output folder it created.
        Assert.False(Directory.Exists(_output));

        // Over an earlier run's outputs: they stay byte for byte, and no temporary is left beside them.
        using var good = new TinyInkNet(Input.Slices.Count, seed: 7);
        Run(new InkInferenceOptions { Stride = 32, BatchSize = 4 }, good);
        var before = Directory.GetFiles(_output).ToDictionary(f => f, File.ReadAllBytes);
        using var poisoned = new NaNAfter(new TinyInkNet(Input.Slices.Count, seed: 8), batches: 2);
        Assert.Throws<NonFiniteValueException>(() => Run(new InkInferenceOptions { Stride = 32, BatchSize = 4 }, poisoned));
        Assert.Equal(before.Keys.Order(), Directory.GetFiles(_output).Order());
        foreach (var (path, bytes) in before)
            Assert.Equal(bytes, File.ReadAllBytes(path));
    }

    [Fact]
    public void A_model_whose_logits_are_not_at_a_32nd_of_the_tile_is_named_with_the_shape()
    {
        using var model = new TwiceTheCells(new TinyInkNet(Input.Slices.Count, seed: 8));
        var error = Assert.Throws<ArgumentException>(() => Run(new InkInferenceOptions { BatchSize = 4 }, model));
        Assert.Contains("model 0 returned logits of shape (4, 1, ", error.Message);
        Assert.Contains("an ink model returns (N, 1, tile / 32, tile / 32)", error.Message);
    }

    /// <summary>Logits at 1/16 instead of 1/32: each cell repeated 2 × 2.</summary>
    private sealed class TwiceTheCells(nn.Module<Tensor, Tensor> inner) : nn.Module<Tensor, Tensor>(nameof(TwiceTheCells))
    {
        public override Tensor forward(Tensor x) => inner.forward(x).repeat_interleave(2, 2).repeat_interleave(2, 3);
    }

    private sealed class NaNAfter(nn.Module<Tensor, Tensor> inner, int batches) : nn.Module<Tensor, Tensor>(nameof(NaNAfter))
    {
        private int _calls;

        public override Tensor forward(Tensor x)
        {
            var logits = inner.forward(x);
            if (_calls++ == batches)
                logits[1, 0, 0, 1] = tensor(float.NaN);
            return logits;
        }
    }
}
