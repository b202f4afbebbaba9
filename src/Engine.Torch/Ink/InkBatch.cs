using System.Buffers;
using System.Runtime.InteropServices;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;

namespace Engine.Torch.Ink;

/// <summary>
/// Turns held tiles into the model's input: the window of slices (moved by the z-shift), scaled and normalized per
/// tile with <see cref="PatchNormalization"/> exactly as <see cref="VolumeTiler"/> does at inference, and the
/// labels as float32.
/// </summary>
internal static class InkBatch
{
    /// <summary>(B, C, T, T) float32 images and (B, 1, T, T) float32 labels on the CPU.</summary>
    /// <param name="set">The tile set.</param>
    /// <param name="tiles">The batch's tiles.</param>
    /// <param name="shifts">Each tile's z-shift in slices (negative: towards lower slice numbers); null for none.</param>
    /// <param name="shuffle">Each tile's slice order within every group (length C: a permutation of 0..C−1 mapping each group onto itself); null entries keep the order.</param>
    /// <param name="compute">Where the tiles are normalized: null for the CPU SIMD path, or a kernel backend (the same values, docs/gpu.md).</param>
    public static (Tensor Images, Tensor Labels) Build(InkTileSet set, IReadOnlyList<InkTile> tiles, int[]? shifts = null, int[]?[]? shuffle = null,
        Engine.Compute.ComputeContext? compute = null)
    {
        int channels = set.Channels, tile = set.Input.Tile, plane = tile * tile, length = channels * plane, count = tiles.Count;
        // The batch is normalized straight into the tensor's storage, and the staging buffer is pooled: a step's
        // arrays are large-object-heap sized, and fresh ones every step grew the process by gigabytes.
        var staging = ArrayPool<ushort>.Shared.Rent(count * length);
        var images = empty([count, channels, tile, tile], ScalarType.Float32);
        var labels = empty([count, 1, tile, tile], ScalarType.Float32);
        try
        {
            for (int b = 0; b < count; b++)
            {
                int offset = set.Below + (shifts?[b] ?? 0);
                tiles[b].Slices.AsSpan(offset * plane, length).CopyTo(staging.AsSpan(b * length, length));
            }
            var input = staging.AsSpan(0, count * length);
            var output = Span(images, count * length);
            float divisor = set.Input.Scale switch { TileScale.Divide65535 => 65535f, TileScale.Divide255 => 255f, _ => 1f };
            if (set.Input.Normalize)
                PatchNormalization.Normalize(input, length, divisor, output, compute);
            else
            {
                // As VolumeTiler scales: convert, then divide in float32.
                TensorPrimitives.ConvertTruncating(input, output);
                if (divisor != 1f)
                    TensorPrimitives.Divide(output, divisor, output);
            }
            if (shuffle is not null)
                Shuffle(output, shuffle, channels, plane);
            var labelValues = Span(labels, count * plane);
            for (int b = 0; b < count; b++)
                TensorPrimitives.ConvertTruncating(tiles[b].Labels, labelValues.Slice(b * plane, plane));
        }
        finally
        {
            ArrayPool<ushort>.Shared.Return(staging);
        }
        return (images, labels);
    }

    /// <summary>Reorders each shuffled tile's slices: slice c of the result is slice order[c] of the tile.</summary>
    private static void Shuffle(Span<float> images, int[]?[] shuffle, int channels, int plane)
    {
        int length = channels * plane;
        float[]? copy = null;
        for (int b = 0; b < shuffle.Length; b++)
        {
            if (shuffle[b] is not { } order)
                continue;
            copy ??= new float[length];
            var image = images.Slice(b * length, length);
            image.CopyTo(copy);
            for (int c = 0; c < channels; c++)
                copy.AsSpan(order[c] * plane, plane).CopyTo(image.Slice(c * plane, plane));
        }
    }

    /// <summary>The storage of a contiguous CPU float32 tensor as a span (TorchSharp's <c>bytes</c> is its memory, not a copy).</summary>
    private static Span<float> Span(Tensor tensor, int length) => MemoryMarshal.Cast<byte, float>(tensor.bytes)[..length];

    /// <summary>(B, 1, T/32, T/32) targets from (B, 1, T, T) labels on the CPU.</summary>
    public static Tensor Targets(Tensor labels, InkLabelMode mode)
    {
        int count = (int)labels.shape[0], tile = (int)labels.shape[2], cells = tile / InkModelConfig.OutputStride;
        using var contiguous = labels.to(ScalarType.Float32, CPU).contiguous();
        var targets = empty([count, 1, cells, cells], ScalarType.Float32);
        LabelDownsampling.Downsample(Span(contiguous, count * tile * tile), count, tile, tile, InkModelConfig.OutputStride, mode, Span(targets, count * cells * cells));
        return targets;
    }
}
