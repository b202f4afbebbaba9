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

/// <summary>Sorts as ensemble-boxes' prefilter does: per label, by descending score, ties with the later box first.</summary>
/// <remarks>
/// ensemble-boxes takes <c>argsort()[::-1]</c> of the scores; numpy's argsort keeps the input order of ties for the
/// up to 16 boxes of a label it insertion-sorts (and leaves ties unspecified beyond), so the reversal puts the
/// later box first.
/// </remarks>
internal readonly struct ByLabelThenScore : IComparer<Candidate>
{
    public int Compare(Candidate a, Candidate b) =>
        a.Label != b.Label ? a.Label.CompareTo(b.Label) :
        a.Score != b.Score ? b.Score.CompareTo(a.Score) :
        b.Seq.CompareTo(a.Seq);
}

/// <summary>Descending score, ties with the later entry first: ensemble-boxes' final <c>argsort()[::-1]</c>.</summary>
internal readonly struct ByScoreDescending(double[] scores) : IComparer<int>
{
    public int Compare(int a, int b) => scores[a] != scores[b] ? scores[b].CompareTo(scores[a]) : b.CompareTo(a);
}

/// <summary>
/// One worker's reusable buffers: candidates, clusters and IoU rows grow to the largest image seen, so a batch
/// allocates nothing per box or per image.
/// </summary>
internal sealed class DetectionScratch
{
    public Candidate[] Candidates = [];
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
