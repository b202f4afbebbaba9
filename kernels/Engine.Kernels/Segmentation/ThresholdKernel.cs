namespace Engine.Kernels.Segmentation;

/// <summary>
/// <c>Threshold</c> on a GPU: <c>ink[i] = selected(i) &amp;&amp; values[i] &gt; bound</c> as 0/1 bytes, and the number of
/// ink pixels. The host passes the float32 bound that makes the float comparison equal the float64 one.
/// </summary>
public static class ThresholdKernel
{
    /// <summary>Grid-stride pass: writes <paramref name="ink"/> and adds the ink count to <paramref name="positives"/>[0].</summary>
    /// <param name="values">The values.</param>
    /// <param name="mask">Per-value selection (non-zero = selected); ignored when <paramref name="hasMask"/> is 0.</param>
    /// <param name="hasMask">1 when <paramref name="mask"/> applies.</param>
    /// <param name="bound">A value is ink when it is strictly greater than this.</param>
    /// <param name="ink">Receives 1 for ink, 0 otherwise.</param>
    /// <param name="positives">One counter, zeroed by the caller.</param>
    public static void Apply(ArrayView<float> values, ArrayView<byte> mask, int hasMask, float bound,
        ArrayView<byte> ink, ArrayView<long> positives)
    {
        long stride = (long)Grid.DimX * Group.DimX;
        int count = 0;
        for (long i = Grid.GlobalIndex.X; i < values.Length; i += stride)
        {
            bool isInk = values[i] > bound && (hasMask == 0 || mask[i] != 0);
            ink[i] = isInk ? (byte)1 : (byte)0;
            count += isInk ? 1 : 0;
        }
        if (count != 0)
            Atomic.Add(ref positives[0], count);
    }
}
