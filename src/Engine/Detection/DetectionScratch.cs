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
/// Sort keys that compare as plain integers, so the sorts of the hot path are primitive (no comparer calls, no
/// 64-byte struct swaps): a score's bits mapped to an unsigned order, a label's and an index's beside it.
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

    /// <summary>Labels in ascending order.</summary>
    public static uint Label(int label) => (uint)label ^ 0x8000_0000u;

    /// <summary>
    /// Per label, by descending score, ties with the later entry first — ensemble-boxes' <c>argsort()[::-1]</c>:
    /// numpy's argsort keeps the input order of ties for the up to 16 boxes of a label it insertion-sorts (and
    /// leaves ties unspecified beyond), so the reversal puts the later box first.
    /// </summary>
    public static UInt128 LabelScoreLaterFirst(int label, double score, int index) =>
        ((UInt128)Label(label) << 96) | ((UInt128)Descending(score) << 32) | ~(uint)index;

    /// <summary>The index stored in the low 32 bits by the keys that put later entries first.</summary>
    public static int LaterFirstIndex(UInt128 key) => (int)~(uint)key;
}

/// <summary>
/// One worker's reusable buffers: candidates, clusters and IoU rows grow to the largest image seen, so a batch
/// allocates nothing per box or per image.
/// </summary>
internal sealed class DetectionScratch
{
    public Candidate[] Candidates = [];
    public Candidate[] Spare = [];
    public UInt128[] Keys = [];
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
        Keys = new UInt128[n];
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

    /// <summary>Reorders <c>Candidates[0..n)</c> by the keys the caller put in <c>Keys[0..n)</c> (see <see cref="SortKey.LaterFirstIndex"/>).</summary>
    public void SortCandidates(int n)
    {
        var keys = Keys.AsSpan(0, n);
        keys.Sort();
        for (int i = 0; i < n; i++)
            Spare[i] = Candidates[SortKey.LaterFirstIndex(keys[i])];
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
