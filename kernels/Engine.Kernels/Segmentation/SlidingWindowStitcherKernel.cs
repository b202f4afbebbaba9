namespace Engine.Kernels.Segmentation;

/// <summary>
/// <c>SlidingWindowStitcher</c> on a GPU: accumulates a batch of windows into a band of accumulator rows. Each
/// thread owns pixels and applies every window of the batch to them in batch order, so the float32 sums equal
/// the CPU path's bit for bit (no atomics, no order that depends on scheduling); every product that meets a sum is a
/// <see cref="RoundedProduct"/>, so CUDA's assembler cannot fuse it into an fma either.
/// </summary>
public static class SlidingWindowStitcherKernel
{
    /// <summary>Entries of <c>shape</c>.</summary>
    public const int ShapeFields = 9;

    /// <summary>Upsampling modes in <c>shape</c>[5].</summary>
    public const int Copy = 0, Nearest = 1, Bilinear = 2;

    /// <summary>Grid-stride pass over the band's pixels.</summary>
    /// <param name="tiles">The batch's predictions, (N, h, w) row-major.</param>
    /// <param name="windows">Each window's placement in accumulator pixels.</param>
    /// <param name="shape">N, h, w, window rows P, window columns Q, upsampling mode, band's first row, band rows, accumulator width.</param>
    /// <param name="axisIndex">Source indices: rows I0, rows I1 (P each), then columns I0, I1 (Q each).</param>
    /// <param name="axisWeights">Interpolation weights λ₀, λ₁ in the same layout.</param>
    /// <param name="weights">The P × Q window weight map (all ones for constant weights).</param>
    /// <param name="sum">The band's Σ w·p, band rows × accumulator width.</param>
    /// <param name="count">The band's Σ w.</param>
    public static void Accumulate(ArrayView<float> tiles, ArrayView<StitchWindow> windows, ArrayView<int> shape,
        ArrayView<int> axisIndex, ArrayView<float> axisWeights, ArrayView<float> weights,
        ArrayView<float> sum, ArrayView<float> count)
    {
        int n = shape[0], h = shape[1], w = shape[2], p = shape[3], q = shape[4], mode = shape[5];
        int y0 = shape[6], rows = shape[7], width = shape[8];
        long pixels = (long)rows * width;
        long stride = (long)Grid.DimX * Group.DimX;
        for (long i = Grid.GlobalIndex.X; i < pixels; i += stride)
        {
            int y = y0 + (int)(i / width), x = (int)(i % width);
            float s = sum[i], c = count[i];
            for (int k = 0; k < n; k++)
            {
                var window = windows[k];
                int u = y - window.Y, v = x - window.X;
                if (u < window.RowFrom || u >= window.RowTo || v < window.ColumnFrom || v >= window.ColumnTo)
                    continue;
                long tile = (long)k * h * w;
                float value;
                if (mode == Copy)
                {
                    value = tiles[tile + u * w + v];
                }
                else if (mode == Nearest)
                {
                    value = tiles[tile + axisIndex[u] * w + axisIndex[2 * p + v]];
                }
                else
                {
                    int i0 = axisIndex[u], i1 = axisIndex[p + u], j0 = axisIndex[2 * p + v], j1 = axisIndex[2 * p + q + v];
                    float h0 = axisWeights[u], h1 = axisWeights[p + u], w0 = axisWeights[2 * p + v], w1 = axisWeights[2 * p + q + v];
                    // PyTorch's channels-last bilinear: float32 weights, float64 sum, one rounding.
                    value = (float)(RoundedProduct.Of((double)tiles[tile + i0 * w + j0], h0 * w0) + RoundedProduct.Of((double)tiles[tile + i0 * w + j1], h0 * w1)
                        + RoundedProduct.Of((double)tiles[tile + i1 * w + j0], h1 * w0) + RoundedProduct.Of((double)tiles[tile + i1 * w + j1], h1 * w1));
                }
                float weight = weights[u * q + v];
                s += RoundedProduct.Of(weight, value);
                c += weight;
            }
            sum[i] = s;
            count[i] = c;
        }
    }
}
