using Engine.Compute;
using Engine.IO;
using Engine.Torch.Ink;
using Engine.Volumes;

namespace Engine.Torch.Tests.Ink;

/// <summary>The ink pipeline on the kernels (ILGPU's CPU emulator, tiny sizes), the plan, other predictors and cancellation.</summary>
public sealed class InkBackendTests(TinyFragment tiny) : IClassFixture<TinyFragment>, IDisposable
{
    private const int Width = 96, Height = 80, Slices = 4, Tile = 64;
    private static readonly InkInput Input = new() { Slices = new SliceRange(1, 2), Tile = Tile, Scale = TileScale.Divide65535, Normalize = true };
    private readonly InferenceFragment _fragment = new(Width, Height, Slices);
    private readonly InkTestFolder _folder = new();

    public void Dispose()
    {
        _fragment.Dispose();
        _folder.Dispose();
    }

    [Fact]
    public void Inference_on_the_kernels_writes_the_same_map_bit_for_bit()
    {
        using var model = new TinyInkNet(Input.Slices.Count, seed: 2);
        var options = new InkInferenceOptions { Stride = 32, BatchSize = 4, Inner = 48 };
        var cpu = InkInference.Run(_fragment.Directory, [model], Input, _folder.Sub("cpu"), options);
        using var compute = new ComputeContext(ComputeBackend.IlgpuCpu);
        var kernels = InkInference.Run(_fragment.Directory, [model], Input, _folder.Sub("kernels"), options with { Compute = compute });

        Assert.Equal(ComputeBackend.Cpu, cpu.Backend);
        Assert.Equal(ComputeBackend.IlgpuCpu, kernels.Backend);
        var expected = NpyFile.ReadFloat32(cpu.ProbabilityNpy).Data;
        Assert.Contains(expected, v => v is > 0 and < 1);
        Assert.Equal(File.ReadAllBytes(cpu.ProbabilityNpy), File.ReadAllBytes(kernels.ProbabilityNpy));
        Assert.Equal(cpu.Threshold, kernels.Threshold);
        Assert.Equal(File.ReadAllBytes(cpu.InkPng), File.ReadAllBytes(kernels.InkPng));
    }

    [Fact]
    public void Validation_on_the_kernels_stitches_the_same_maps_bit_for_bit()
    {
        var options = TinyFragment.Options with { ValidStride = 64 };
        var set = InkTileSet.Load([tiny.Directory], options);
        TorchRuntime.EnsureLoaded();
        using var model = new InkModel(options.Model);
        var cpu = InkValidation.Predict(model, set, 8, epoch: 1, compute: null);
        using var compute = new ComputeContext(ComputeBackend.IlgpuCpu);
        var kernels = InkValidation.Predict(model, set, 8, epoch: 1, compute);

        Assert.Contains(cpu[0], v => v is > 0 and < 1);
        Assert.Equal(cpu[0], kernels[0]);
    }

    [Fact]
    public void The_threshold_is_the_quantile_chosen_in_training_unless_one_is_given()
    {
        var config = new InkModelConfig { Groups = 1, ChannelsPerGroup = 2, Widths = [4, 4, 4, 4, 4], NeckChannels = 4, Blocks3d = 1 };
        TorchRuntime.EnsureLoaded();
        using (var a = new InkModel(config))
            InkCheckpoint.Save(_folder.Sub("a"), a, Input, new Dictionary<string, double> { [InkCheckpoint.ValidQuantileMetric] = 0.8 });
        using (var b = new InkModel(config))
            InkCheckpoint.Save(_folder.Sub("b"), b, Input, new Dictionary<string, double> { [InkCheckpoint.ValidQuantileMetric] = 0.9 });
        using (var c = new InkModel(config))
            InkCheckpoint.Save(_folder.Sub("c"), c, Input, new Dictionary<string, double>());

        var trained = InkInferencePlan.Create(_fragment.Directory, [_folder.Sub("a"), _folder.Sub("b")], new InkInferenceOptions { Stride = 32 });
        Assert.Equal((0.85, InkQuantileSource.Training), (Math.Round(trained.Quantile, 12), trained.QuantileSource));
        Assert.Equal(TileGrid.Create(_fragment.Mask, Width, Height, Tile, 32).Count, trained.Grid.Count);
        var given = InkInferencePlan.Create(_fragment.Directory, [_folder.Sub("a")], new InkInferenceOptions { Quantile = 0.5 });
        Assert.Equal((0.5, InkQuantileSource.Options), (given.Quantile, given.QuantileSource));
        var untrained = InkInferencePlan.Create(_fragment.Directory, [_folder.Sub("a"), _folder.Sub("c")]);
        Assert.Equal((InkInferenceOptions.DefaultQuantile, InkQuantileSource.Default), (untrained.Quantile, untrained.QuantileSource));

        var result = InkInference.Run(trained, _folder.Sub("out"));
        var map = NpyFile.ReadFloat32(result.ProbabilityNpy).Data;
        Assert.Equal(trained.Quantile, result.Quantile);
        Assert.Equal(Engine.Segmentation.Quantile.Compute(map, trained.Quantile, _fragment.Mask), result.Threshold);
    }

    [Fact]
    public void A_predictor_that_is_not_TorchSharp_runs_the_whole_pipeline()
    {
        var plan = InkInferencePlan.Create(_fragment.Directory, Input, new InkInferenceOptions { Stride = 32, BatchSize = 3 });
        var predictor = new CellMeanPredictor(Input);
        var result = InkInference.Run(plan, predictor, _folder.Sub("out"));

        Assert.Equal(plan.Grid.Count, predictor.Tiles);
        Assert.Equal(predictor.Device, result.Device);
        var map = NpyFile.ReadFloat32(result.ProbabilityNpy).Data;
        Assert.Contains(map, v => v is > 0 and < 1);
        Assert.Equal(plan.Grid.Count, result.ModelWindows);
    }

    [Fact]
    public void A_cancelled_inference_stops_at_the_next_batch_and_leaves_no_output()
    {
        using var model = new TinyInkNet(Input.Slices.Count, seed: 3);
        using var cancel = new CancellationTokenSource();
        long reported = 0;
        var progress = new Inline(done => { reported = done; cancel.Cancel(); });
        string output = Path.Combine(_folder.Sub("parent"), "out");
        var plan = InkInferencePlan.Create(_fragment.Directory, Input, new InkInferenceOptions { Stride = 32, BatchSize = 2 });
        using var predictor = new TorchInkEnsemble([model], Input);
        Assert.ThrowsAny<OperationCanceledException>(() => InkInference.Run(plan, predictor, output, progress, cancel.Token));
        Assert.Equal(2, reported);
        Assert.False(Directory.Exists(output));
    }

    [Fact]
    public void A_cancelled_training_stops_at_the_next_step_and_publishes_nothing()
    {
        using var cancel = new CancellationTokenSource();
        int steps = 0;
        var progress = new Inline<InkTrainingProgress>(p => { steps = p.Step; cancel.Cancel(); });
        string output = tiny.Scratch("cancelled");
        Assert.ThrowsAny<OperationCanceledException>(() => InkTrainer.Train([tiny.Directory], output, TinyFragment.Options, progress, cancel.Token));
        Assert.Equal(1, steps);
        Assert.False(Directory.Exists(output));
    }

    /// <summary>A predictor with no model: each cell's probability is the sigmoid of its pixels' mean over the slices.</summary>
    private sealed class Inline(Action<long> report) : IProgress<long>
    {
        public void Report(long value) => report(value);
    }

    private sealed class Inline<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
