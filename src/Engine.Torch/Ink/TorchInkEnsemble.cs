using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Engine.Torch.Ink;

/// <summary>
/// The default <see cref="IInkPredictor"/>: TorchSharp ink models (one, or an ensemble averaged), each batch under
/// test-time augmentation, with the sigmoid applied here, by torch, before the mean over TTA copies and models —
/// in inference and in the trainer's validation alike.
/// </summary>
/// <remarks>
/// A batch crosses to the models' device once and its probabilities (1/1024 of a tile's pixels per slice) come
/// back once; everything between — flips, forward passes, sigmoid, mean — stays on that device. With TorchSharp's
/// CPU build the device is the CPU; with a CUDA build (docs/gpu.md) the same code keeps those tensors on the GPU.
/// libtorch's float32 sigmoid rounds the last bit of a value differently in its vector body and its scalar tail, so
/// the same window can get probabilities an ulp apart in batches of another size: a map is reproducible bit for
/// bit at a fixed batch size.
/// </remarks>
public sealed class TorchInkEnsemble : IInkPredictor, IDisposable
{
    private static readonly TtaTransform[] FlipTransforms = [TtaTransform.Identity, TtaTransform.FlipHorizontal, TtaTransform.FlipVertical];

    private readonly nn.Module<Tensor, Tensor>[] _models;
    private readonly string[] _names;
    private readonly InkInput _input;
    private readonly InkTta _tta;
    private readonly bool _owned;
    private readonly Device _device;

    /// <summary>Wraps models held in memory (they are put in eval() mode; the caller keeps ownership).</summary>
    /// <param name="models">Models taking (B, C, tile, tile) float32 to (B, 1, tile / 32, tile / 32) logits, all on one device.</param>
    /// <param name="input">How their input is cut (slices, tile).</param>
    /// <param name="tta">Test-time augmentation.</param>
    /// <param name="names">Names for error messages; null for "model 0", "model 1", ….</param>
    /// <exception cref="ArgumentException">No model is given, or the names do not match the models.</exception>
    public TorchInkEnsemble(IReadOnlyList<nn.Module<Tensor, Tensor>> models, InkInput input, InkTta tta = InkTta.None, IReadOnlyList<string>? names = null)
        : this(models, input, tta, names, owned: false)
    {
    }

    private TorchInkEnsemble(IReadOnlyList<nn.Module<Tensor, Tensor>> models, InkInput input, InkTta tta, IReadOnlyList<string>? names, bool owned)
    {
        if (models.Count == 0)
            throw new ArgumentException("No model given.", nameof(models));
        if (names is not null && names.Count != models.Count)
            throw new ArgumentException($"{names.Count} names for {models.Count} models.", nameof(names));
        if (!Enum.IsDefined(tta))
            throw new ArgumentOutOfRangeException(nameof(tta), tta, "Unknown TTA mode.");
        TorchRuntime.EnsureLoaded();
        _models = [.. models];
        _names = names?.ToArray() ?? Enumerable.Range(0, models.Count).Select(i => $"model {i}").ToArray();
        _input = input;
        _tta = tta;
        _owned = owned;
        _device = _models[0].parameters().FirstOrDefault()?.device ?? CPU;
        foreach (var model in _models)
            model.eval();
    }

    /// <summary>Loads checkpoints written by <see cref="InkCheckpoint.Save"/>; disposing the ensemble disposes them.</summary>
    /// <param name="directories">The checkpoint folders; they must cut <paramref name="input"/>.</param>
    /// <param name="input">How their input is cut.</param>
    /// <param name="tta">Test-time augmentation.</param>
    /// <param name="device">Where the models run; null picks CUDA when TorchSharp sees a CUDA device, else the CPU.</param>
    /// <returns>The ensemble, named by the folders.</returns>
    /// <exception cref="DirectoryNotFoundException">A folder does not exist.</exception>
    /// <exception cref="InvalidDataException">A checkpoint is malformed.</exception>
    public static TorchInkEnsemble Load(IReadOnlyList<string> directories, InkInput input, InkTta tta = InkTta.None, Device? device = null)
    {
        TorchRuntime.EnsureLoaded();
        device ??= cuda.is_available() ? CUDA : CPU;
        var models = new List<nn.Module<Tensor, Tensor>>();
        try
        {
            foreach (var directory in directories)
                models.Add(InkCheckpoint.LoadModel(directory, device));
            return new TorchInkEnsemble(models, input, tta, directories, owned: true);
        }
        catch
        {
            foreach (var model in models)
                model.Dispose();
            throw;
        }
    }

    /// <inheritdoc/>
    public string Name => string.Join(" + ", _names);

    /// <inheritdoc/>
    public string Device => _device.ToString();

    /// <inheritdoc/>
    public double ModelSeconds { get; private set; }

    /// <summary>Models averaged.</summary>
    public int Models => _models.Length;

    /// <summary>Input windows through the models' forward passes so far: tiles × TTA copies × models.</summary>
    public long ModelWindows { get; private set; }

    /// <inheritdoc/>
    public void Predict(ReadOnlySpan<float> tiles, int count, long firstWindow, Span<float> probabilities)
    {
        int tile = _input.Tile, channels = _input.Slices.Count, cells = tile / InkModelConfig.OutputStride;
        if (tiles.Length != (long)count * channels * tile * tile)
            throw new ArgumentException($"tiles has {tiles.Length} values but {count} tiles of {channels} × {tile} × {tile} need {(long)count * channels * tile * tile}.", nameof(tiles));
        if (probabilities.Length != count * cells * cells)
            throw new ArgumentException($"probabilities has {probabilities.Length} values but {count} tiles of {cells} × {cells} cells need {count * cells * cells}.", nameof(probabilities));
        // Flips run one forward pass per transform over the batch as it is, rather than one pass over the three
        // copies stacked: stacking copied the batch four times more than the two flips do, for the same predictions.
        var passes = _tta == InkTta.Flips ? FlipTransforms : [TtaTransform.Identity];
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var images = empty([count, channels, tile, tile], ScalarType.Float32);
        MemoryMarshal.AsBytes(tiles).CopyTo(images.bytes);
        images = images.to(_device);
        if (_tta == InkTta.Distributed)
            images = TensorTestTimeAugmentation.Transform(images, FlipTransforms, TtaPolicy.Distributed, firstWindow);
        Tensor? sum = null;
        for (int m = 0; m < _models.Length; m++)
        {
            foreach (var transform in passes)
            {
                var input = transform == TtaTransform.Identity ? images : TensorTestTimeAugmentation.Apply(images, transform);
                long start = Stopwatch.GetTimestamp();
                var logits = _models[m].forward(input);
                if (_device.type == DeviceType.CUDA)
                    cuda.synchronize();
                ModelSeconds += Stopwatch.GetElapsedTime(start).TotalSeconds;
                ModelWindows += count;
                if (logits.shape is not [var rows, 1, var h, var w] || rows != count || h != cells || w != cells)
                    throw new ArgumentException($"{_names[m]} returned logits of shape ({string.Join(", ", logits.shape)}) for {count} windows of {channels} × {tile} × {tile}; an ink model returns (N, 1, tile / 32, tile / 32).");
                var back = _tta == InkTta.Distributed ? TensorTestTimeAugmentation.Undo(logits, FlipTransforms, TtaPolicy.Distributed, firstWindow)
                    : transform == TtaTransform.Identity ? logits
                    : TensorTestTimeAugmentation.Apply(logits, TestTimeAugmentation.Inverse(transform));
                var p = back.sigmoid();
                sum = sum is null ? p : sum.add_(p);
            }
        }
        if (_models.Length * passes.Length > 1)
            sum!.div_(_models.Length * passes.Length);
        MemoryMarshal.Cast<byte, float>(sum!.to(CPU).contiguous().bytes).CopyTo(probabilities);
    }

    /// <summary>Disposes the models when the ensemble loaded them.</summary>
    public void Dispose()
    {
        if (!_owned)
            return;
        foreach (var model in _models)
            model.Dispose();
    }
}
