using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;
using Engine.Volumes;
using static TorchSharp.torch;

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
    public static (Tensor Images, Tensor Labels) Build(InkTileSet set, IReadOnlyList<InkTile> tiles, int[]? shifts = null, int[]?[]? shuffle = null)
    {
        int channels = set.Channels, tile = set.Input.Tile, plane = tile * tile, length = channels * plane;
        var staging = new ushort[tiles.Count * length];
        for (int b = 0; b < tiles.Count; b++)
        {
            int offset = set.Below + (shifts?[b] ?? 0);
            tiles[b].Slices.AsSpan(offset * plane, length).CopyTo(staging.AsSpan(b * length, length));
        }
        var images = new float[staging.Length];
        float divisor = set.Input.Scale switch { TileScale.Divide65535 => 65535f, TileScale.Divide255 => 255f, _ => 1f };
        if (set.Input.Normalize)
            PatchNormalization.Normalize(staging, length, divisor, images);
        else
        {
            // As VolumeTiler scales: convert, then divide in float32.
            TensorPrimitives.ConvertTruncating(staging, images);
            if (divisor != 1f)
                TensorPrimitives.Divide(images, divisor, images);
        }
        if (shuffle is not null)
        {
            var copy = new float[length];
            for (int b = 0; b < tiles.Count; b++)
            {
                if (shuffle[b] is not { } order)
                    continue;
                var image = images.AsSpan(b * length, length);
                image.CopyTo(copy);
                for (int c = 0; c < channels; c++)
                    copy.AsSpan(order[c] * plane, plane).CopyTo(image.Slice(c * plane, plane));
            }
        }
        var labels = new float[tiles.Count * plane];
        for (int b = 0; b < tiles.Count; b++)
            TensorPrimitives.ConvertTruncating(tiles[b].Labels, labels.AsSpan(b * plane, plane));
        return (tensor(images, [tiles.Count, channels, tile, tile]), tensor(labels, [tiles.Count, 1, tile, tile]));
    }

    /// <summary>(B, 1, T/32, T/32) targets from (B, 1, T, T) labels on the CPU.</summary>
    public static Tensor Targets(Tensor labels, InkLabelMode mode)
    {
        long count = labels.shape[0], tile = labels.shape[2];
        using var contiguous = labels.contiguous();
        int cells = (int)(tile / InkModelConfig.OutputStride);
        var downsampled = new float[count * cells * cells];
        LabelDownsampling.Downsample(contiguous.data<float>().ToArray(), (int)count, (int)tile, (int)tile, InkModelConfig.OutputStride, mode, downsampled);
        return tensor(downsampled, [count, 1, cells, cells]);
    }
}
