namespace Engine.Kernels.Segmentation;

/// <summary>
/// The radix-select histogram pass of <c>Quantile</c> on a GPU: counts one 8-bit digit of the ordered keys
/// (<see cref="OrderedKey"/>) of the selected values whose higher digits equal one of up to
/// <see cref="MaxPrefixes"/> prefixes. Repeated from the top digit down, it pins each wanted order statistic
/// exactly; the host walks the counts between passes.
/// </summary>
public static class QuantileKernel
{
    /// <summary>Bits per pass. 8 keeps a group's histograms for all prefixes in 8 KB of shared memory.</summary>
    public const int DigitBits = 8;

    /// <summary>Bins per prefix.</summary>
    public const int Radix = 1 << DigitBits;

    /// <summary>Prefixes one launch counts at once (two order statistics per quantile, a few quantiles).</summary>
    public const int MaxPrefixes = 8;

    /// <summary>Length of the histogram buffer: <see cref="Radix"/> bins per prefix, then the NaN count.</summary>
    public const int HistogramLength = Radix * MaxPrefixes + 1;

    /// <summary>
    /// Counts digit <c>(key &gt;&gt; shift) &amp; 0xFF</c> of every selected float into
    /// <c>histogram[p * Radix + digit]</c>, where p is the prefix that <c>key &gt;&gt; (shift + 8)</c> equals;
    /// with <paramref name="prefixCount"/> 0 every key counts under p = 0. NaNs are also counted into the
    /// last slot. Grid-stride: any grid size covers the whole input.
    /// </summary>
    /// <param name="values">The input values.</param>
    /// <param name="mask">Per-value selection (non-zero = selected); ignored when <paramref name="hasMask"/> is 0.</param>
    /// <param name="hasMask">1 when <paramref name="mask"/> applies.</param>
    /// <param name="prefixes">The prefixes being refined.</param>
    /// <param name="prefixCount">How many of <paramref name="prefixes"/> are in use; 0 for the top digit.</param>
    /// <param name="shift">Bit position of the counted digit.</param>
    /// <param name="histogram">Zeroed <see cref="HistogramLength"/> counts, accumulated atomically.</param>
    public static void HistogramFloat(ArrayView<float> values, ArrayView<byte> mask, int hasMask,
        ArrayView<ulong> prefixes, int prefixCount, int shift, ArrayView<long> histogram)
        => Histogram<float, FloatKey>(values, mask, hasMask, prefixes, prefixCount, shift, histogram);

    /// <summary>The same pass as <see cref="HistogramFloat"/> over doubles.</summary>
    /// <param name="values">The input values.</param>
    /// <param name="mask">Per-value selection (non-zero = selected); ignored when <paramref name="hasMask"/> is 0.</param>
    /// <param name="hasMask">1 when <paramref name="mask"/> applies.</param>
    /// <param name="prefixes">The prefixes being refined.</param>
    /// <param name="prefixCount">How many of <paramref name="prefixes"/> are in use; 0 for the top digit.</param>
    /// <param name="shift">Bit position of the counted digit.</param>
    /// <param name="histogram">Zeroed <see cref="HistogramLength"/> counts, accumulated atomically.</param>
    public static void HistogramDouble(ArrayView<double> values, ArrayView<byte> mask, int hasMask,
        ArrayView<ulong> prefixes, int prefixCount, int shift, ArrayView<long> histogram)
        => Histogram<double, DoubleKey>(values, mask, hasMask, prefixes, prefixCount, shift, histogram);

    /// <summary>The ordered key of one value type, as a struct so that one pass compiles for each type.</summary>
    private interface IOrderedKey<T>
        where T : unmanaged
    {
        ulong Of(T value);
    }

    private readonly struct FloatKey : IOrderedKey<float>
    {
        public ulong Of(float value) => OrderedKey.FromFloat(value);
    }

    private readonly struct DoubleKey : IOrderedKey<double>
    {
        public ulong Of(double value) => OrderedKey.FromDouble(value);
    }

    private static void Histogram<T, TKey>(ArrayView<T> values, ArrayView<byte> mask, int hasMask,
        ArrayView<ulong> prefixes, int prefixCount, int shift, ArrayView<long> histogram)
        where T : unmanaged
        where TKey : struct, IOrderedKey<T>
    {
        var bins = SharedMemory.Allocate<int>(HistogramLength);
        GroupHistogram.Clear(bins);
        long stride = (long)Grid.DimX * Group.DimX;
        for (long i = Grid.GlobalIndex.X; i < values.Length; i += stride)
        {
            if (hasMask != 0 && mask[i] == 0)
                continue;
            CountKey(default(TKey).Of(values[i]), prefixes, prefixCount, shift, bins);
        }
        GroupHistogram.AddTo(bins, histogram);
    }

    private static void CountKey(ulong key, ArrayView<ulong> prefixes, int prefixCount, int shift, ArrayView<int> bins)
    {
        if (key == OrderedKey.NaN)
            Atomic.Add(ref bins[HistogramLength - 1], 1);
        int slot = 0;
        if (prefixCount > 0)
        {
            // shift + DigitBits < 64 whenever prefixes are in use, so this shift is well defined everywhere.
            ulong prefix = key >> (shift + DigitBits);
            slot = -1;
            for (int p = 0; p < prefixCount; p++)
            {
                if (prefixes[p] == prefix)
                    slot = p;
            }
            if (slot < 0)
                return;
        }
        int digit = (int)((key >> shift) & (Radix - 1));
        Atomic.Add(ref bins[slot * Radix + digit], 1);
    }
}
