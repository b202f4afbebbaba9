namespace Engine.Detection;

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
