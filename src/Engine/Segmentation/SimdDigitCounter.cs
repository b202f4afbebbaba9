using System.Buffers;
using System.Numerics;
using Engine.Kernels.Segmentation;

namespace Engine.Segmentation;

/// <summary>
/// The CPU path of <see cref="RadixSelect"/>: counts digits of ordered keys in parallel over chunks, with a
/// histogram per worker. Float keys are made 16 at a time with Vector512 (or 8 at a time with Vector256).
/// </summary>
internal sealed unsafe class SimdDigitCounter<T> : IDigitCounter where T : unmanaged
{
    /// <summary>
    /// The top digit has 16 bits: its 65,536-bin histogram (256 KB) stays in a core's L2 cache, and after it a
    /// float has only 16 bits left to find.
    /// </summary>
    private const int TopBits = 16;

    /// <summary>
    /// A later digit is 16 bits wide while at most this many prefixes are refined, 8 bits beyond. Matches land
    /// at random in a 256 KB histogram per prefix; past two such histograms (512 KB, half of a Zen 5 core's L2)
    /// the cache misses cost more than one more pass of 8-bit digits, whose histograms sit in L1.
    /// </summary>
    private const int MaxWidePrefixes = 2;

    /// <summary>Up to this many prefixes, 16 keys are compared with every prefix at once (no table lookups).</summary>
    private const int MaxComparedPrefixes = 8;

    private readonly T* _values;
    private readonly byte* _mask;
    private readonly int _length;

    /// <param name="values">Pinned values; must stay pinned while this counter is used.</param>
    /// <param name="mask">Pinned mask (non-zero = selected), or null for all values.</param>
    /// <param name="length">Number of values (and mask bytes).</param>
    public SimdDigitCounter(T* values, byte* mask, int length)
    {
        if (typeof(T) != typeof(float) && typeof(T) != typeof(double))
            throw new NotSupportedException($"Radix select supports float and double, not {typeof(T).Name}.");
        _values = values;
        _mask = mask;
        _length = length;
    }

    public int TopDigitBits => TopBits;

    public int NextDigitBits(int prefixCount, int remainingBits) =>
        Math.Min(remainingBits, prefixCount <= MaxWidePrefixes ? 16 : 8);

    /// <summary>64 prefixes of 8-bit digits are 64 KB of counts a worker.</summary>
    public int MaxPrefixes => 64;

    public long Count(int shift, int digitBits, ReadOnlySpan<ulong> prefixes, Span<long> counts)
    {
        int radix = 1 << digitBits;
        // One histogram per prefix, plus a spare bin that swallows masked-out values without a branch.
        int binCount = Math.Max(prefixes.Length, 1) * radix + 1;
        var prefixArray = prefixes.ToArray();
        var slotByTop16 = prefixes.IsEmpty ? null : SlotTable(prefixArray, shift, digitBits);
        var total = new long[binCount];
        ParallelChunks.For(_length, ParallelChunks.MapChunkLength, () => NewBins(binCount), (bins, start, end) =>
        {
            fixed (uint* h = bins)
            fixed (ushort* table = slotByTop16)
            {
                if (prefixArray.Length == 0)
                    CountTopDigit(start, end, h);
                else if (typeof(T) == typeof(float) && prefixArray.Length <= MaxComparedPrefixes)
                    CountUnderFewPrefixes(start, end, shift, digitBits, prefixArray, h);
                else
                    CountUnderPrefixes(start, end, shift, digitBits, prefixArray, table, h);
            }
        }, bins =>
        {
            for (int b = 0; b < binCount; b++)
                total[b] += bins[b];
            ArrayPool<uint>.Shared.Return(bins);
        });

        total.AsSpan(0, counts.Length).CopyTo(counts);
        // The NaN key is all ones and no number's key shares its top 16 bits, so the last top bin is NaNs only.
        return prefixes.IsEmpty ? counts[radix - 1] : 0;
    }

    private static uint[] NewBins(int binCount)
    {
        var bins = ArrayPool<uint>.Shared.Rent(binCount);
        Array.Clear(bins, 0, binCount);
        return bins;
    }

    /// <summary>
    /// Maps the top 16 bits of a key to 1 + the first slot whose prefix starts with them (0: none). Prefixes are
    /// at least 16 bits long (the top digit), so a table hit is confirmed against that slot and its neighbours.
    /// </summary>
    private static ushort[] SlotTable(ulong[] prefixes, int shift, int digitBits)
    {
        var table = new ushort[1 << 16];
        int prefixBits = 64 - shift - digitBits;
        for (int s = prefixes.Length - 1; s >= 0; s--)
            table[(int)(prefixes[s] >> (prefixBits - 16))] = (ushort)(s + 1);
        return table;
    }

    // Optimized from the first call: a one-shot command runs this loop only a few times, too few for tiering.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void CountTopDigit(int start, int end, uint* h)
    {
        const int Spare = 1 << TopBits;
        if (typeof(T) == typeof(double))
        {
            var doubles = (double*)_values;
            for (int k = start; k < end; k++)
            {
                int bin = (int)(OrderedKey.FromDouble(doubles[k]) >> 48);
                h[_mask is null || _mask[k] != 0 ? bin : Spare]++;
            }
            return;
        }
        var values = (float*)_values;
        uint* bins = stackalloc uint[16];
        int i = start;
        for (; i <= end - 16; i += 16)
        {
            OrderedKeySimd.TopBins16(values + i, _mask is null ? null : _mask + i, Spare, bins);
            for (int j = 0; j < 16; j++)
                h[bins[j]]++;
        }
        for (; i < end; i++)
        {
            int bin = (int)(OrderedKey.FromFloat(values[i]) >> 48);
            h[_mask is null || _mask[i] != 0 ? bin : Spare]++;
        }
    }

    /// <summary>
    /// A float pass under a few prefixes: 16 keys at a time are compared with every prefix, and only the
    /// (usually few) matches touch the histograms.
    /// </summary>
    // Optimized from the first call: a one-shot command runs this loop only a few times, too few for tiering.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void CountUnderFewPrefixes(int start, int end, int shift, int digitBits, ulong[] prefixes, uint* h)
    {
        var values = (float*)_values;
        int prefixShift = shift - 32 + digitBits, digitShift = shift - 32;
        uint digitMask = (1u << digitBits) - 1;
        uint* keys = stackalloc uint[16];
        int i = start;
        for (; i <= end - 16; i += 16)
        {
            uint matches = MatchPrefixes(values + i, prefixShift, prefixes, keys);
            for (; matches != 0; matches &= matches - 1)
            {
                int j = BitOperations.TrailingZeroCount(matches);
                if (_mask is null || _mask[i + j] != 0)
                    h[(SlotOf(prefixes, keys[j] >> prefixShift) << digitBits) + (int)((keys[j] >> digitShift) & digitMask)]++;
            }
        }
        for (; i < end; i++)
        {
            if (_mask is not null && _mask[i] == 0)
                continue;
            uint key = (uint)(OrderedKey.FromFloat(values[i]) >> 32);
            int slot = SlotOf(prefixes, key >> prefixShift);
            if (slot >= 0)
                h[(slot << digitBits) + (int)((key >> digitShift) & digitMask)]++;
        }
    }

    /// <summary>Index of <paramref name="prefix"/> among a few prefixes, or −1 (a plain loop: no call overhead).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int SlotOf(ulong[] prefixes, uint prefix)
    {
        for (int s = 0; s < prefixes.Length; s++)
        {
            if (prefixes[s] == prefix)
                return s;
        }
        return -1;
    }

    /// <summary>Bit j set when float j of 16 has one of the prefixes; the 16 keys are stored when any has.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint MatchPrefixes(float* source, int prefixShift, ulong[] prefixes, uint* keys)
    {
        if (Vector512.IsHardwareAccelerated)
        {
            var key = default(OrderedKeySimd.Key).Invoke(Vector512.Load(source));
            var top = Vector512.ShiftRightLogical(key, prefixShift);
            var hit = Vector512<uint>.Zero;
            foreach (ulong prefix in prefixes)
                hit |= Vector512.Equals(top, Vector512.Create((uint)prefix));
            uint matches = (uint)hit.ExtractMostSignificantBits();
            if (matches != 0)
                key.Store(keys);
            return matches;
        }
        if (Vector256.IsHardwareAccelerated)
        {
            var low = default(OrderedKeySimd.Key).Invoke(Vector256.Load(source));
            var high = default(OrderedKeySimd.Key).Invoke(Vector256.Load(source + 8));
            var lowTop = Vector256.ShiftRightLogical(low, prefixShift);
            var highTop = Vector256.ShiftRightLogical(high, prefixShift);
            var hitLow = Vector256<uint>.Zero;
            var hitHigh = Vector256<uint>.Zero;
            foreach (ulong prefix in prefixes)
            {
                hitLow |= Vector256.Equals(lowTop, Vector256.Create((uint)prefix));
                hitHigh |= Vector256.Equals(highTop, Vector256.Create((uint)prefix));
            }
            uint matches = hitLow.ExtractMostSignificantBits() | (hitHigh.ExtractMostSignificantBits() << 8);
            if (matches != 0)
            {
                low.Store(keys);
                high.Store(keys + 8);
            }
            return matches;
        }
        OrderedKeySimd.Keys16(source, keys);
        uint scalarMatches = 0;
        for (int j = 0; j < 16; j++)
        {
            if (SlotOf(prefixes, keys[j] >> prefixShift) >= 0)
                scalarMatches |= 1u << j;
        }
        return scalarMatches;
    }

    /// <summary>Any pass under any number of prefixes, by table lookup on each key's top 16 bits.</summary>
    // Optimized from the first call: a one-shot command runs this loop only a few times, too few for tiering.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void CountUnderPrefixes(int start, int end, int shift, int digitBits, ulong[] prefixes, ushort* slotByTop16, uint* h)
    {
        int i = start;
        if (typeof(T) == typeof(float))
        {
            // Float keys 16 at a time; most fail the table lookup and cost nothing more.
            uint* keys = stackalloc uint[16];
            for (; i <= end - 16; i += 16)
            {
                OrderedKeySimd.Keys16((float*)_values + i, keys);
                for (int j = 0; j < 16; j++)
                {
                    if (slotByTop16[keys[j] >> 16] != 0 && (_mask is null || _mask[i + j] != 0))
                        CountKey((ulong)keys[j] << 32, shift, digitBits, prefixes, slotByTop16, h);
                }
            }
        }
        for (; i < end; i++)
        {
            if (_mask is not null && _mask[i] == 0)
                continue;
            ulong key = typeof(T) == typeof(float)
                ? OrderedKey.FromFloat(((float*)_values)[i])
                : OrderedKey.FromDouble(((double*)_values)[i]);
            CountKey(key, shift, digitBits, prefixes, slotByTop16, h);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CountKey(ulong key, int shift, int digitBits, ulong[] prefixes, ushort* slotByTop16, uint* h)
    {
        int slot = slotByTop16[key >> 48] - 1;
        if (slot < 0)
            return;
        int prefixBits = 64 - shift - digitBits;
        ulong prefix = key >> (shift + digitBits);
        while (prefixes[slot] != prefix)
        {
            if (++slot == prefixes.Length || prefixes[slot] >> (prefixBits - 16) != key >> 48)
                return;
        }
        h[(slot << digitBits) + (int)((key >> shift) & ((1ul << digitBits) - 1))]++;
    }
}
