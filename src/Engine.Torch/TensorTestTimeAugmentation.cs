namespace Engine.Torch;

/// <summary>
/// <see cref="TestTimeAugmentation"/> on TorchSharp tensors: the flipped/rotated input batch for a model and the
/// inverse on its outputs, with the same transforms, order and policies as the span version.
/// </summary>
/// <example>
/// <code>
/// TtaTransform[] tta = [TtaTransform.Identity, TtaTransform.FlipHorizontal, TtaTransform.FlipVertical];
/// using var input = TensorTestTimeAugmentation.Transform(batch, tta, TtaPolicy.Distributed, firstWindow);
/// using var logits = model.forward(input);                          // (N, 1, 8, 8)
/// using var back = TensorTestTimeAugmentation.Undo(logits, tta, TtaPolicy.Distributed, firstWindow);
/// stitcher.Add(back.data&lt;float&gt;().ToArray(), origins);
/// </code>
/// </example>
public static class TensorTestTimeAugmentation
{
    /// <summary>Applies <paramref name="transform"/> to the last two axes (<c>torch.flip</c> / <c>torch.rot90(dims=(-2, -1))</c>).</summary>
    /// <param name="x">A tensor of at least two dimensions.</param>
    /// <param name="transform">The flip or rotation.</param>
    /// <returns>A new tensor (a copy for <see cref="TtaTransform.Identity"/>), owned by the caller.</returns>
    /// <exception cref="ArgumentException"><paramref name="x"/> has fewer than two dimensions.</exception>
    public static Tensor Apply(Tensor x, TtaTransform transform)
    {
        if (x.dim() < 2)
            throw new ArgumentException($"x has {x.dim()} dimensions; flips and rotations act on the last two.", nameof(x));
        return transform switch
        {
            TtaTransform.Identity => x.clone(),
            TtaTransform.FlipHorizontal => x.flip(-1),
            TtaTransform.FlipVertical => x.flip(-2),
            TtaTransform.Rotate90 => x.rot90(1, (-2, -1)),
            TtaTransform.Rotate180 => x.rot90(2, (-2, -1)),
            TtaTransform.Rotate270 => x.rot90(3, (-2, -1)),
            _ => throw new ArgumentOutOfRangeException(nameof(transform), transform, "Unknown TTA transform."),
        };
    }

    /// <summary>The model's input batch: Full gives N × T windows (window i's copies at i·T … i·T + T − 1), Distributed N windows with window i in transform (firstWindow + i) mod T.</summary>
    /// <param name="windows">(N, …, h, w) windows.</param>
    /// <param name="transforms">The transforms.</param>
    /// <param name="policy">Full or Distributed.</param>
    /// <param name="firstWindow">Index of the batch's first window in the whole run.</param>
    /// <returns>The transformed batch, owned by the caller.</returns>
    /// <exception cref="ArgumentException">No transform is given, or a quarter turn meets non-square windows.</exception>
    public static Tensor Transform(Tensor windows, ReadOnlySpan<TtaTransform> transforms, TtaPolicy policy, long firstWindow = 0) =>
        Map(windows, transforms.ToArray(), policy, firstWindow, invert: false);

    /// <summary>The model's outputs brought back to the windows' orientation, in the same order.</summary>
    /// <param name="outputs">(N × T or N, …, h, w) outputs of <see cref="Transform"/>'s batch.</param>
    /// <param name="transforms">The same transforms.</param>
    /// <param name="policy">The same policy.</param>
    /// <param name="firstWindow">The same first window index.</param>
    /// <returns>The outputs in the windows' orientation, owned by the caller.</returns>
    /// <exception cref="ArgumentException">No transform is given, a quarter turn meets non-square outputs, or Full outputs are not a multiple of T.</exception>
    public static Tensor Undo(Tensor outputs, ReadOnlySpan<TtaTransform> transforms, TtaPolicy policy, long firstWindow = 0) =>
        Map(outputs, transforms.ToArray(), policy, firstWindow, invert: true);

    private static Tensor Map(Tensor x, TtaTransform[] transforms, TtaPolicy policy, long firstWindow, bool invert)
    {
        if (transforms.Length == 0)
            throw new ArgumentException("transforms is empty; give at least TtaTransform.Identity.", nameof(transforms));
        if (x.dim() < 3)
            throw new ArgumentException($"the batch has {x.dim()} dimensions; windows are (N, …, h, w).");
        if (x.shape[^1] != x.shape[^2] && transforms.Any(t => t is TtaTransform.Rotate90 or TtaTransform.Rotate270))
            throw new ArgumentException($"a quarter turn of {x.shape[^2]} × {x.shape[^1]} windows changes their shape; quarter turns need square windows.", nameof(transforms));
        int copies = policy == TtaPolicy.Full ? transforms.Length : 1;
        long n = x.shape[0] / (invert ? copies : 1);
        if (invert && x.shape[0] % copies != 0)
            throw new ArgumentException($"the outputs hold {x.shape[0]} windows, not a multiple of the {copies} transforms of the Full policy.");
        using var scope = NewDisposeScope();
        if (policy == TtaPolicy.Full)
        {
            // One flip or rotation of the whole batch per transform instead of one per window (N × T small
            // tensors): the copies of window i stay at i·T … i·T + T − 1 by stacking on a new axis 1.
            long[] shape = x.shape;
            var grouped = invert ? x.reshape([n, copies, .. shape[1..]]) : x;
            var mapped = new Tensor[copies];
            for (int c = 0; c < copies; c++)
                mapped[c] = invert ? Apply(grouped.select(1, c), TestTimeAugmentation.Inverse(transforms[c])) : Apply(grouped, transforms[c]);
            var stacked = stack(mapped, 1);
            return stacked.reshape([n * copies, .. stacked.shape[2..]]).MoveToOuterDisposeScope();
        }
        var pieces = new List<Tensor>();
        for (long i = 0; i < n; i++)
        {
            for (int c = 0; c < copies; c++)
            {
                var t = policy == TtaPolicy.Full ? transforms[c] : transforms[(int)((firstWindow + i) % transforms.Length)];
                long source = invert ? i * copies + c : i;
                pieces.Add(Apply(x.narrow(0, source, 1), invert ? TestTimeAugmentation.Inverse(t) : t));
            }
        }
        return cat(pieces, 0).MoveToOuterDisposeScope();
    }
}
