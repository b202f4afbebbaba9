using System.Runtime.Intrinsics.X86;

namespace Engine.Segmentation;

/// <summary>
/// Integer-factor upsampling equal bit for bit to PyTorch's
/// <c>F.interpolate(x[:, None], scale_factor=f, mode='bilinear' | 'nearest', align_corners=…)</c> on the CPU in float32.
/// </summary>
/// <remarks>
/// PyTorch 1.13 sends an (N, 1, h, w) float32 tensor down its channels-last kernel (one channel is both
/// layouts), whose arithmetic this reproduces (measured against torch on every mode, tests/data/stitching):
/// the scale is <c>(float)(in − 1) / (out − 1)</c> with align_corners, else <c>(float)(1.0 / f)</c> (the given
/// scale_factor); the source index is computed in float64 from that float scale (<c>scale · dst</c>, or
/// <c>max(scale · (dst + 0.5) − 0.5, 0)</c>); λ₁ = (float)(src − ⌊src⌋), λ₀ = 1 − λ₁ in float32; the four
/// weights are float32 products λᵢ·λⱼ; and the sum x₀₀w₀₀ + x₀₁w₀₁ + x₁₀w₁₀ + x₁₁w₁₁ runs in float64, left to
/// right, rounded once to float32. Nearest is PyTorch's legacy mode: ⌊dst · (float)(1/f)⌋ in float32, except
/// that f = 2 uses dst / 2.
/// </remarks>
public static class Upsample
{
    /// <summary>Upsamples <paramref name="count"/> images of <paramref name="height"/> × <paramref name="width"/> by <paramref name="factor"/>.</summary>
    /// <param name="input">The images, row-major, one after another (an (N, h, w) array).</param>
    /// <param name="count">Number of images N.</param>
    /// <param name="height">Rows of each image.</param>
    /// <param name="width">Columns of each image.</param>
    /// <param name="factor">The integer scale factor (≥ 1).</param>
    /// <param name="upsampling">Bilinear or nearest.</param>
    /// <param name="alignCorners">PyTorch's align_corners (bilinear only).</param>
    /// <param name="output">Receives N images of (h·f) × (w·f).</param>
    /// <exception cref="ArgumentOutOfRangeException">A size or the factor is not positive.</exception>
    /// <exception cref="ArgumentException">A span's length does not match the sizes.</exception>
    public static void Apply(ReadOnlySpan<float> input, int count, int height, int width, int factor,
        StitchUpsampling upsampling, bool alignCorners, Span<float> output)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(factor);
        if (input.Length != (long)count * height * width)
            throw new ArgumentException($"input has {input.Length} values but {count} × {height} × {width} = {(long)count * height * width} were expected.", nameof(input));
        long outLength = (long)count * height * factor * width * factor;
        if (output.Length != outLength)
            throw new ArgumentException($"output has {output.Length} values but {count} × {height * factor} × {width * factor} = {outLength} were expected.", nameof(output));
        var rows = new UpsampleAxis(height, factor, upsampling, alignCorners);
        var cols = new UpsampleAxis(width, factor, upsampling, alignCorners);
        int outW = width * factor, outH = height * factor;
        var g0 = new float[height * outW];
        var g1 = new float[height * outW];
        for (int n = 0; n < count; n++)
        {
            var image = input.Slice(n * height * width, height * width);
            cols.Gather(image, width, 0, height, g0, g1);
            for (int u = 0; u < outH; u++)
                UpsampleAxis.Row(rows, cols, g0, g1, u, 0, outW, output.Slice((n * outH + u) * outW, outW));
        }
    }
}
