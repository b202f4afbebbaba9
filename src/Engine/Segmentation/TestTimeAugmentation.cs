namespace Engine.Segmentation;

/// <summary>
/// Test-time augmentation around a model: <see cref="Transform"/> makes the flipped/rotated input batch,
/// <see cref="Undo"/> brings the model's outputs back to the windows' orientation before stitching.
/// </summary>
/// <example>
/// <code>
/// TtaTransform[] tta = [TtaTransform.Identity, TtaTransform.FlipHorizontal, TtaTransform.FlipVertical, TtaTransform.Rotate90];
/// var input = TestTimeAugmentation.Transform(batch, n, channels, 256, 256, tta, TtaPolicy.Distributed, firstWindow);
/// float[] output = model(input);                                    // (n, 8, 8)
/// var back = TestTimeAugmentation.Undo(output, n, 8, 8, tta, TtaPolicy.Distributed, firstWindow);
/// stitcher.Add(back, origins);
/// </code>
/// </example>
public static class TestTimeAugmentation
{
    /// <summary>The transform that undoes <paramref name="transform"/>.</summary>
    /// <param name="transform">A transform.</param>
    /// <returns>Its inverse (flips and the half turn undo themselves; a quarter turn undoes three).</returns>
    public static TtaTransform Inverse(TtaTransform transform) => transform switch
    {
        TtaTransform.Rotate90 => TtaTransform.Rotate270,
        TtaTransform.Rotate270 => TtaTransform.Rotate90,
        _ => transform,
    };

    /// <summary>Applies <paramref name="transform"/> to each of <paramref name="planes"/> images of <paramref name="height"/> × <paramref name="width"/>.</summary>
    /// <param name="input">The images, row-major, one after another.</param>
    /// <param name="planes">Number of images (windows × channels).</param>
    /// <param name="height">Rows of each image.</param>
    /// <param name="width">Columns of each image.</param>
    /// <param name="transform">The flip or rotation.</param>
    /// <param name="output">Receives the images; a quarter turn makes each width × height. Must not overlap <paramref name="input"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException">A size is negative.</exception>
    /// <exception cref="ArgumentException">A span's length does not match the sizes.</exception>
    public static void Apply(ReadOnlySpan<float> input, int planes, int height, int width, TtaTransform transform, Span<float> output)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(planes);
        ArgumentOutOfRangeException.ThrowIfNegative(height);
        ArgumentOutOfRangeException.ThrowIfNegative(width);
        long length = (long)planes * height * width;
        if (input.Length != length)
            throw new ArgumentException($"input has {input.Length} values but {planes} images of {height} × {width} are {length}.", nameof(input));
        if (output.Length != length)
            throw new ArgumentException($"output has {output.Length} values but must have {length}.", nameof(output));
        int plane = height * width;
        for (int p = 0; p < planes; p++)
            ApplyPlane(input.Slice(p * plane, plane), height, width, transform, output.Slice(p * plane, plane));
    }

    /// <summary>Makes the model's input batch: each window transformed by its policy.</summary>
    /// <param name="windows">The input windows, (N, C, h, w) row-major.</param>
    /// <param name="count">N.</param>
    /// <param name="channels">C (slices of a volume, or 1).</param>
    /// <param name="height">h.</param>
    /// <param name="width">w.</param>
    /// <param name="transforms">The transforms, T of them; Identity first is customary.</param>
    /// <param name="policy">Full: N × T windows, window-major (window i's copies are rows i·T … i·T + T − 1). Distributed: N windows, window i in transform (firstWindow + i) mod T.</param>
    /// <param name="firstWindow">Index of the batch's first window in the whole run, so the distributed rotation continues across batches.</param>
    /// <returns>The transformed batch.</returns>
    /// <exception cref="ArgumentException">No transform is given, a quarter turn meets a non-square window, or the length does not match.</exception>
    public static float[] Transform(ReadOnlySpan<float> windows, int count, int channels, int height, int width,
        ReadOnlySpan<TtaTransform> transforms, TtaPolicy policy, long firstWindow = 0) =>
        Map(windows, count, channels, height, width, transforms, policy, firstWindow, invert: false, nameof(windows));

    /// <summary>Brings the model's outputs back to the windows' orientation (the inverse of each window's transform).</summary>
    /// <param name="outputs">The model's outputs for <see cref="Transform"/>'s batch, (N × T or N, h, w) row-major.</param>
    /// <param name="count">N, the number of windows before augmentation.</param>
    /// <param name="height">Rows of each output.</param>
    /// <param name="width">Columns of each output.</param>
    /// <param name="transforms">The same transforms as <see cref="Transform"/>.</param>
    /// <param name="policy">The same policy.</param>
    /// <param name="firstWindow">The same first window index.</param>
    /// <returns>Outputs in the windows' orientation, in the same order; with Full, add them with <see cref="RepeatOrigins"/>.</returns>
    /// <exception cref="ArgumentException">No transform is given, a quarter turn meets a non-square output, or the length does not match.</exception>
    public static float[] Undo(ReadOnlySpan<float> outputs, int count, int height, int width,
        ReadOnlySpan<TtaTransform> transforms, TtaPolicy policy, long firstWindow = 0) =>
        Map(outputs, count, 1, height, width, transforms, policy, firstWindow, invert: true, nameof(outputs));

    /// <summary>Each window's (y, x) origin repeated <paramref name="times"/> times, for the Full policy's N × T outputs.</summary>
    /// <param name="origins">N (y, x) pairs.</param>
    /// <param name="times">T.</param>
    /// <returns>N × T pairs, window-major.</returns>
    public static int[] RepeatOrigins(ReadOnlySpan<int> origins, int times)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(times);
        var repeated = new int[origins.Length * times];
        for (int i = 0; i < origins.Length / 2; i++)
        {
            for (int t = 0; t < times; t++)
            {
                repeated[2 * (i * times + t)] = origins[2 * i];
                repeated[2 * (i * times + t) + 1] = origins[2 * i + 1];
            }
        }
        return repeated;
    }

    private static float[] Map(ReadOnlySpan<float> data, int count, int channels, int height, int width,
        ReadOnlySpan<TtaTransform> transforms, TtaPolicy policy, long firstWindow, bool invert, string name)
    {
        if (transforms.IsEmpty)
            throw new ArgumentException("transforms is empty; give at least TtaTransform.Identity.", nameof(transforms));
        if (height != width)
        {
            foreach (var t in transforms)
            {
                if (t is TtaTransform.Rotate90 or TtaTransform.Rotate270)
                    throw new ArgumentException($"{t} of a {height} × {width} window changes its shape; quarter turns need square windows.", nameof(transforms));
            }
        }
        int copies = policy == TtaPolicy.Full ? transforms.Length : 1;
        int plane = channels * height * width;
        long expected = (long)count * (invert ? copies : 1) * plane;
        if (data.Length != expected)
            throw new ArgumentException($"{name} has {data.Length} values but {count} windows{(invert && copies > 1 ? $" × {copies} transforms" : "")} of {channels} × {height} × {width} are {expected}.", name);
        var result = new float[(long)count * copies * plane];
        for (int i = 0; i < count; i++)
        {
            for (int c = 0; c < copies; c++)
            {
                var t = policy == TtaPolicy.Full ? transforms[c] : transforms[(int)((firstWindow + i) % transforms.Length)];
                int source = invert ? i * copies + c : i, target = i * copies + c;
                Apply(data.Slice(source * plane, plane), channels, height, width, invert ? Inverse(t) : t,
                    result.AsSpan(target * plane, plane));
            }
        }
        return result;
    }

    private static void ApplyPlane(ReadOnlySpan<float> x, int h, int w, TtaTransform transform, Span<float> y)
    {
        switch (transform)
        {
            case TtaTransform.Identity:
                x.CopyTo(y);
                break;
            case TtaTransform.FlipHorizontal:
                for (int i = 0; i < h; i++)
                {
                    x.Slice(i * w, w).CopyTo(y.Slice(i * w, w));
                    y.Slice(i * w, w).Reverse();
                }
                break;
            case TtaTransform.FlipVertical:
                for (int i = 0; i < h; i++)
                    x.Slice((h - 1 - i) * w, w).CopyTo(y.Slice(i * w, w));
                break;
            case TtaTransform.Rotate180:
                x.CopyTo(y);
                y.Reverse();
                break;
            case TtaTransform.Rotate90:
                // Output is w × h: out[i, j] = in[j, w − 1 − i].
                for (int i = 0; i < w; i++)
                {
                    for (int j = 0; j < h; j++)
                        y[i * h + j] = x[j * w + (w - 1 - i)];
                }
                break;
            case TtaTransform.Rotate270:
                // Output is w × h: out[i, j] = in[h − 1 − j, i].
                for (int i = 0; i < w; i++)
                {
                    for (int j = 0; j < h; j++)
                        y[i * h + j] = x[(h - 1 - j) * w + i];
                }
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(transform), transform, "Unknown TTA transform.");
        }
    }
}
