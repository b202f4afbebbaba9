namespace Engine.Torch.Ink;

/// <summary>
/// Label downsampling to the model's output grid, equal bit for bit to PyTorch's <c>F.interpolate</c> on the CPU in
/// float32 for (N, 1, H, W) tiles (tests/data/ink, made by torch 1.13).
/// </summary>
/// <remarks>
/// Bilinear with align_corners follows <see cref="Upsample"/>'s arithmetic (torch's channels-last kernel, which a
/// one-channel tensor takes): scale <c>(float)(in − 1) / (out − 1)</c>, the source index in float64, float32
/// weights, the four-term sum in float64 rounded once. Area is torch's adaptive average pooling with whole
/// windows: a float32 sum row by row, then divided by the window's height and then its width. Labels are a few
/// hundred kilobytes per batch, nothing beside the model's step, so this is plain scalar code.
/// </remarks>
public static class LabelDownsampling
{
    /// <summary>Downsamples <paramref name="count"/> label tiles of <paramref name="height"/> × <paramref name="width"/> by <paramref name="factor"/>.</summary>
    /// <param name="labels">The tiles, row-major, one after another ((N, 1, H, W) in C order), values in [0, 1].</param>
    /// <param name="count">Tiles N.</param>
    /// <param name="height">Rows of each tile, a multiple of <paramref name="factor"/>.</param>
    /// <param name="width">Columns of each tile, a multiple of <paramref name="factor"/>.</param>
    /// <param name="factor">The reduction, e.g. <see cref="InkModelConfig.OutputStride"/>.</param>
    /// <param name="mode">Bilinear (align_corners) or area.</param>
    /// <param name="output">Receives N tiles of (H / factor) × (W / factor).</param>
    /// <exception cref="ArgumentOutOfRangeException">A size or the factor is not positive, a size is not a multiple of the factor, or the mode is not defined.</exception>
    /// <exception cref="ArgumentException">A span's length does not match the sizes.</exception>
    public static void Downsample(ReadOnlySpan<float> labels, int count, int height, int width, int factor, InkLabelMode mode, Span<float> output)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(factor);
        if (height < factor || height % factor != 0)
            throw new ArgumentOutOfRangeException(nameof(height), height, $"The tile height must be a positive multiple of the factor {factor}.");
        if (width < factor || width % factor != 0)
            throw new ArgumentOutOfRangeException(nameof(width), width, $"The tile width must be a positive multiple of the factor {factor}.");
        if (!Enum.IsDefined(mode))
            throw new ArgumentOutOfRangeException(nameof(mode), mode, "Unknown label mode.");
        if (labels.Length != (long)count * height * width)
            throw new ArgumentException($"labels has {labels.Length} values but {count} × {height} × {width} = {(long)count * height * width} were expected.", nameof(labels));
        int outH = height / factor, outW = width / factor;
        if (output.Length != (long)count * outH * outW)
            throw new ArgumentException($"output has {output.Length} values but {count} × {outH} × {outW} = {(long)count * outH * outW} were expected.", nameof(output));

        for (int n = 0; n < count; n++)
        {
            var tile = labels.Slice(n * height * width, height * width);
            var target = output.Slice(n * outH * outW, outH * outW);
            if (mode == InkLabelMode.Area)
                Area(tile, width, factor, outH, outW, target);
            else
                Bilinear(tile, height, width, outH, outW, target);
        }
    }

    private static void Area(ReadOnlySpan<float> tile, int width, int factor, int outH, int outW, Span<float> target)
    {
        for (int i = 0; i < outH; i++)
        {
            for (int j = 0; j < outW; j++)
            {
                float sum = 0;
                for (int y = i * factor; y < (i + 1) * factor; y++)
                {
                    var row = tile.Slice(y * width + j * factor, factor);
                    for (int x = 0; x < factor; x++)
                        sum += row[x];
                }
                target[i * outW + j] = sum / factor / factor;
            }
        }
    }

    private static void Bilinear(ReadOnlySpan<float> tile, int height, int width, int outH, int outW, Span<float> target)
    {
        var rows = UpsampleAxis.AlignedBilinear(height, outH);
        var cols = UpsampleAxis.AlignedBilinear(width, outW);
        for (int i = 0; i < outH; i++)
        {
            var top = tile.Slice(rows.I0[i] * width, width);
            var bottom = tile.Slice(rows.I1[i] * width, width);
            for (int j = 0; j < outW; j++)
            {
                int c0 = cols.I0[j], c1 = cols.I1[j];
                target[i * outW + j] = UpsampleAxis.Pixel(top[c0], top[c1], bottom[c0], bottom[c1],
                    rows.L0[i] * cols.L0[j], rows.L0[i] * cols.L1[j], rows.L1[i] * cols.L0[j], rows.L1[i] * cols.L1[j]);
            }
        }
    }
}
