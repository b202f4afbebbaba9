
namespace Engine.Segmentation;

/// <summary>
/// Exact selection of order statistics by radix select over ordered keys: a histogram of the top digit, then
/// for each wanted rank only the keys that share its prefix, one digit at a time. O(n) per pass, a fixed number
/// of passes (key bits ÷ digit bits), no sort and no copy of the data.
/// </summary>
internal static class RadixSelect
{
    /// <summary>
    /// Finds the keys of the values at <paramref name="ranks"/> (0-based, ascending, in the order of the selected
    /// keys) given the top-digit histogram <paramref name="topCounts"/>.
    /// </summary>
    public static void SelectKeys<TCounter>(TCounter counter, int keyBits, ReadOnlySpan<long> topCounts,
        ReadOnlySpan<long> ranks, Span<ulong> keys) where TCounter : IDigitCounter
    {
        var remaining = ranks.ToArray();
        var prefixes = new ulong[ranks.Length];
        for (int r = 0; r < ranks.Length; r++)
            prefixes[r] = (ulong)FindDigit(topCounts, ref remaining[r]);

        for (int known = counter.TopDigitBits; known < keyBits;)
        {
            // Ranks ascend, so their prefixes do too: equal prefixes are neighbours.
            var distinct = new List<ulong>();
            foreach (ulong p in prefixes)
            {
                if (distinct.Count == 0 || distinct[^1] != p)
                    distinct.Add(p);
            }
            int digitBits = counter.NextDigitBits(distinct.Count, keyBits - known);
            int shift = 64 - known - digitBits;
            for (int start = 0; start < distinct.Count; start += counter.MaxPrefixes)
            {
                var batch = distinct.GetRange(start, Math.Min(counter.MaxPrefixes, distinct.Count - start)).ToArray();
                var counts = new long[batch.Length << digitBits];
                counter.Count(shift, digitBits, batch, counts);
                for (int r = 0; r < ranks.Length; r++)
                {
                    int slot = Array.BinarySearch(batch, prefixes[r]);
                    if (slot < 0)
                        continue;
                    long digit = FindDigit(counts.AsSpan(slot << digitBits, 1 << digitBits), ref remaining[r]);
                    prefixes[r] = (prefixes[r] << digitBits) | (ulong)digit;
                }
            }
            known += digitBits;
        }
        for (int r = 0; r < ranks.Length; r++)
            keys[r] = prefixes[r] << (64 - keyBits);
    }

    /// <summary>The bin holding the element of rank <paramref name="rank"/>; leaves its rank within that bin.</summary>
    private static int FindDigit(ReadOnlySpan<long> counts, ref long rank)
    {
        for (int d = 0; d < counts.Length; d++)
        {
            if (rank < counts[d])
                return d;
            rank -= counts[d];
        }
        throw new InvalidOperationException("Radix select lost a rank: the histogram passes disagree on the counts.");
    }
}
