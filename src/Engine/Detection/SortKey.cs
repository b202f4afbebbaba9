namespace Engine.Detection;

/// <summary>
/// The hot path's sorts on primitive keys (no comparer calls, no 64-byte struct swaps): a 64-bit key per entry,
/// sorted with the entries' indices, then runs of equal keys put in exact order (they are rare and short).
/// </summary>
internal static class SortKey
{
    /// <summary>Larger scores give smaller keys; −0 and +0 give the same key, as they compare equal in numpy.</summary>
    public static ulong Descending(double score)
    {
        long bits = BitConverter.DoubleToInt64Bits(score + 0.0);
        ulong ascending = bits >= 0 ? (ulong)bits ^ 0x8000_0000_0000_0000UL : ~(ulong)bits;
        return ~ascending;
    }

    /// <summary>Labels in ascending order, in the high half of a key.</summary>
    public static ulong Label(int label) => (ulong)((uint)label ^ 0x8000_0000u) << 32;

    /// <summary>An index takes the low 24 bits of a packed key, so an image may hold at most this many boxes.</summary>
    public const int MaxEntries = (1 << IndexBits) - 1;

    private const int IndexBits = 24;
    private const ulong IndexMask = (1UL << IndexBits) - 1;

    /// <summary>
    /// Sorts indices [0, n) by <paramref name="keys"/> ascending, equal keys by descending index: the later entry
    /// first, as ensemble-boxes' <c>argsort()[::-1]</c> gives for ties (numpy's argsort keeps the input order of ties
    /// for the up to 16 entries it insertion-sorts, and leaves them unspecified beyond).
    /// </summary>
    /// <remarks>
    /// One primitive stable sort of packed keys — the key's top 40 bits beside the index — then the rare runs
    /// whose top bits agree but whose full keys differ put in exact order.
    /// </remarks>
    public static void SortLaterFirst(ReadOnlySpan<ulong> keys, Span<ulong> work, Span<ulong> temp, Span<int> order)
    {
        int n = keys.Length;
        // Entries go in by descending index and the sort is stable on the top 40 bits, so equal keys come out
        // later first without sorting on the index bytes.
        for (int i = 0; i < n; i++)
            work[i] = (keys[n - 1 - i] & ~IndexMask) | (uint)(n - 1 - i);
        StableSortHighBits(work[..n], temp);
        for (int i = 0; i < n; i++)
            order[i] = (int)(work[i] & IndexMask);
        FixRuns(keys, work[..n], order, ~IndexMask);
    }

    // Below this many keys insertion sort beats the radix passes.
    private const int InsertionSortLength = 48;

    /// <summary>
    /// A stable sort by the bits above the index (the top 40): insertion sort when short, else an LSD radix sort by
    /// bytes that skips the bytes all keys share (a score's sign and exponent mostly) — a few branch-free passes
    /// instead of introsort's mispredicted comparisons, which dominated the fusion of 500-box images.
    /// </summary>
    public static void StableSortHighBits(Span<ulong> keys, Span<ulong> temp)
    {
        int n = keys.Length;
        if (n <= InsertionSortLength)
        {
            for (int i = 1; i < n; i++)
            {
                ulong item = keys[i];
                int j = i - 1;
                for (; j >= 0 && (keys[j] & ~IndexMask) > (item & ~IndexMask); j--)
                    keys[j + 1] = keys[j];
                keys[j + 1] = item;
            }
            return;
        }
        Span<int> counts = stackalloc int[256];
        Span<ulong> source = keys, target = temp[..n];
        for (int shift = IndexBits; shift < 64; shift += 8)
        {
            counts.Clear();
            foreach (ulong key in source)
                counts[(int)(key >> shift) & 0xFF]++;
            if (counts[(int)(source[0] >> shift) & 0xFF] == n)
                continue;
            int sum = 0;
            for (int b = 0; b < 256; b++)
                (counts[b], sum) = (sum, sum + counts[b]);
            foreach (ulong key in source)
                target[counts[(int)(key >> shift) & 0xFF]++] = key;
            var swap = source;
            source = target;
            target = swap;
        }
        if (source != keys)
            source.CopyTo(keys);
    }

    // Runs of equal (masked) keys, ordered exactly: by full key, then descending index.
    private static void FixRuns(ReadOnlySpan<ulong> keys, ReadOnlySpan<ulong> sorted, Span<int> order, ulong mask)
    {
        for (int start = 0; start < sorted.Length;)
        {
            int end = start + 1;
            while (end < sorted.Length && (sorted[end] & mask) == (sorted[start] & mask))
                end++;
            for (int i = start + 1; i < end; i++)
            {
                int item = order[i], j = i - 1;
                while (j >= start && (keys[order[j]] > keys[item] || (keys[order[j]] == keys[item] && order[j] < item)))
                {
                    order[j + 1] = order[j];
                    j--;
                }
                order[j + 1] = item;
            }
            start = end;
        }
    }
}
