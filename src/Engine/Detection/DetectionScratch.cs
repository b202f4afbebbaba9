namespace Engine.Detection;

/// <summary>One prediction after ensemble-boxes' input fixing, with what fusion needs of it.</summary>
internal struct Candidate
{
    public double Score;   // score × the model's weight (WBF, NMW) or the weighted score (NMS)
    public double Weight;  // the model's weight
    public double X1, Y1, X2, Y2;
    public int Label;
    public int Model;      // index within the image
    public int Seq;        // position in ensemble-boxes' concatenation of the models' boxes
}

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

/// <summary>
/// One worker's reusable buffers: candidates, clusters and IoU rows grow to the largest image seen, so a batch
/// allocates nothing per box or per image.
/// </summary>
internal sealed class DetectionScratch
{
    public Candidate[] Candidates = [];
    public Candidate[] Spare = [];
    public ulong[] Keys = [];
    public ulong[] Work = [];
    public ulong[] Temp = [];
    public int[] LabelCounts = new int[LabelRange + 1];
    public double[] Ious = [];
    public int[] Next = [];
    public int[] Order = [];
    // Clusters, structure of arrays so the IoU scan runs on vectors.
    public double[] X1 = [], Y1 = [], X2 = [], Y2 = [];
    public double[] Score = [], Weight = [], WeightSum = [], Conf = [], MaxScore = [];
    public float[] Sums = [];
    public int[] Count = [], Head = [], Tail = [];
    // Per model of the image.
    public double[] ModelWeights = [];
    public int[] ModelStamp = [];
    public double[] Gathered = [];
    public int Stamp;

    public void EnsureBoxes(int boxes)
    {
        if (Candidates.Length >= boxes)
            return;
        int n = Math.Max(boxes, Candidates.Length * 2);
        Candidates = new Candidate[n];
        Spare = new Candidate[n];
        Keys = new ulong[n];
        Work = new ulong[n];
        Temp = new ulong[n];
        Ious = new double[n];
        Next = new int[n];
        Order = new int[n];
        X1 = new double[n]; Y1 = new double[n]; X2 = new double[n]; Y2 = new double[n];
        Score = new double[n]; Weight = new double[n]; WeightSum = new double[n]; Conf = new double[n]; MaxScore = new double[n];
        Sums = new float[n * 4];
        Count = new int[n]; Head = new int[n]; Tail = new int[n];
    }

    public void EnsureModels(int models)
    {
        if (ModelWeights.Length >= models)
            return;
        ModelWeights = new double[models];
        ModelStamp = new int[models];
        Gathered = new double[models];
        Stamp = 0;
    }

    // Images whose labels span at most this many values are grouped by a counting sort.
    private const int LabelRange = 4096;

    /// <summary>Reorders <c>Candidates[0..n)</c> by label, in input order within a label.</summary>
    public void SortByLabel(int n)
    {
        if (n == 0)
            return;
        int min = int.MaxValue, max = int.MinValue;
        for (int i = 0; i < n; i++)
        {
            min = Math.Min(min, Candidates[i].Label);
            max = Math.Max(max, Candidates[i].Label);
        }
        if ((long)max - min < LabelRange)
        {
            // Counting sort: stable, O(n + labels).
            var counts = LabelCounts.AsSpan(0, max - min + 2);
            counts.Clear();
            for (int i = 0; i < n; i++)
                counts[Candidates[i].Label - min + 1]++;
            for (int b = 1; b < counts.Length; b++)
                counts[b] += counts[b - 1];
            for (int i = 0; i < n; i++)
                Spare[counts[Candidates[i].Label - min]++] = Candidates[i];
            (Candidates, Spare) = (Spare, Candidates);
            return;
        }
        var keys = Keys.AsSpan(0, n);
        for (int i = 0; i < n; i++)
            keys[i] = SortKey.Label(Candidates[i].Label) | (uint)i; // no two keys are equal
        keys.Sort();
        for (int i = 0; i < n; i++)
            Spare[i] = Candidates[(int)(uint)keys[i]];
        (Candidates, Spare) = (Spare, Candidates);
    }

    /// <summary>
    /// Reorders <c>Candidates[0..n)</c> as ensemble-boxes' prefilter: by label, then descending score, ties with
    /// the later box first.
    /// </summary>
    public void SortByLabelThenScore(int n)
    {
        SortByLabel(n);
        var order = Order.AsSpan(0, n);
        for (int start = 0; start < n;)
        {
            int end = start + 1;
            while (end < n && Candidates[end].Label == Candidates[start].Label)
                end++;
            for (int i = start; i < end; i++)
                Keys[i - start] = SortKey.Descending(Candidates[i].Score);
            SortKey.SortLaterFirst(Keys.AsSpan(0, end - start), Work, Temp, order[start..end]);
            for (int i = start; i < end; i++)
                Spare[i] = Candidates[start + order[i]];
            start = end;
        }
        (Candidates, Spare) = (Spare, Candidates);
    }

    /// <summary>Starts cluster <paramref name="k"/> with candidate <paramref name="j"/> alone.</summary>
    public void StartCluster(int k, int j)
    {
        ref var c = ref Candidates[j];
        (X1[k], Y1[k], X2[k], Y2[k]) = (c.X1, c.Y1, c.X2, c.Y2);
        Score[k] = c.Score;
        Weight[k] = c.Weight;
        Count[k] = 1;
        Head[k] = Tail[k] = j;
        Next[j] = -1;
    }

    /// <summary>Appends candidate <paramref name="j"/> to cluster <paramref name="k"/>'s member list.</summary>
    public void Link(int k, int j)
    {
        Next[Tail[k]] = j;
        Next[j] = -1;
        Tail[k] = j;
        Count[k]++;
    }
}
