using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Engine.Search;

/// <summary>
/// The certified int8 prefilter: an int8 scan (AVX-VNNI <c>vpdpbusd</c>) finds, per query, every row that can
/// still change the exact result, and only those are scored exactly in float32 with the exact scan's FMA chain and
/// selected in the same total order — so the result equals <see cref="CosineTopK"/>'s bit for bit, for row
/// (<see cref="TopKSelection"/>) and identity (<see cref="IdentitySelection"/>) selections alike.
/// </summary>
/// <remarks>
/// <para>The bound. With the row <c>x = s_r x̂ + e_x</c> and the query <c>q = s_q q̂ + e_q</c> (per-vector symmetric
/// scales, <c>|e|</c> at most half a step, measured), the real dot product differs from the approximate
/// <c>ã = s_q s_r (q̂ · x̂)</c> by <c>q · e_x + s_r (e_q · x̂)</c>, so by at most
/// <c>Q = min(‖q‖₁ · max|e_x|, ‖q‖₂ · ‖e_x‖₂) + min(max|e_q| · ‖s_r x̂‖₁, ‖e_q‖₂ · ‖s_r x̂‖₂)</c> (Hölder with
/// (1, ∞) and with (2, 2): the second form is about √D/3 tighter for errors spread over the dimensions). The exact path's float32 score (one FMA chain over D
/// dimensions) differs from the real dot product by at most <c>F = γ_D ‖q‖₂ ‖x‖₂</c>, <c>γ_D = D u / (1 − D u)</c>,
/// <c>u = 2⁻²⁴</c>; and the approximate score as computed in float (the exact integer dot → float, two products)
/// differs from ã by at most <c>A = γ_3 · D · max|s_q q̂| · max|s_r x̂|</c>. So <c>|exact − approximate| ≤ B_qr = Q + F + A</c>
/// for the pair (query, row), each term from that query's and that row's measured quantities
/// (<see cref="Int8Errors"/>); B_qr is inflated by a relative 10⁻⁶ for the double arithmetic of the bound itself
/// (its errors are ~2⁻⁵³ relative, far below the F term), plus (D + 3) · 2⁻¹⁵⁰ for roundings in the subnormal range,
/// where the relative bounds do not hold. With the rows' elementwise maxima in place of one row's quantities the
/// same formula gives <c>B̄_q ≥ B_qr</c> for every row.</para>
/// <para>Why identical. The exact score of a pair lies in <c>[a − B_qr, a + B_qr]</c>. Let L be the k-th best lower
/// end <c>a − B_qr</c> among the rows scanned (of k distinct identities' rows, for identities): k rows (k
/// identities, each by a row) score exactly ≥ L. A row whose upper end <c>a + B_qr</c> is below L scores exactly
/// below them, so it is in no exact top k and is no top-k identity's best row, in any tie order. Every other row is
/// a candidate and is re-scored with the exact scan's arithmetic; the exact selection over the candidates sees every
/// result row with its exact score and every other identity at or below its true best, so it keeps the same k
/// results, ties included. The scan offers a row wherever <c>a ≥ t</c> for a float t at or below <c>L − B̄_q</c>
/// (its screen passes a superset of those rows, <see cref="Passing"/>), which every candidate meets
/// (<c>a + B_qr ≥ L</c> and <c>B_qr ≤ B̄_q</c>). The ends <c>a ± B_qr</c> are computed in double, whose 2⁻⁵³
/// relative rounding B's relative slack covers many times over, and compared with the float L as they are; the
/// lower end offered is rounded down to float. L only rises, so rows kept early are filtered again by the final L
/// (<see cref="CandidateSelection{TSelection}"/>).</para>
/// </remarks>
[SkipLocalsInit]
internal static unsafe class CosineTopKInt8
{
    private const int TileQueries = CosineTopK.TileQueries;

    /// <summary>Rows per VNNI tile: two Vector256 of 8 rows, so 6 × 2 accumulators fit the 16 ymm registers of VEX code.</summary>
    private const int TileRows = 16;

    /// <summary>Bytes of packed query quads a block keeps hot while int8 panels stream past.</summary>
    private const int QueryBlockBytes = 256 << 10;

    /// <summary>Whether this CPU runs the int8 scan (AVX-VNNI); elsewhere the exact scan runs instead.</summary>
    public static bool IsSupported => AvxVnni.IsSupported;

    /// <summary>
    /// Candidates a query may collect before it is searched exactly instead: about where re-scoring them would cost
    /// as much as scanning every row, and at most 4,096 (or 2k), so a block's candidates stay within tens of MB.
    /// </summary>
    public static int MaxCandidates(long rows, int k) => (int)Math.Max(2L * k, Math.Min(rows / 32, 4096));

    /// <summary>
    /// Searches <paramref name="queryCount"/> prepared queries: the int8 scan per block of queries, exact re-scoring
    /// of its candidates into a selection made by <paramref name="create"/>, and the exact scan for the queries whose
    /// candidates passed <see cref="MaxCandidates"/>. Arguments as <see cref="CosineTopK.Run{TSelection}"/>'s.
    /// </summary>
    public static void Run<TSelection>(PanelStore exact, Int8PanelStore store, float[] queries, int queryCount, int k,
        Func<int, TSelection> create, Action<TSelection, int, TSelection, int> merge, Action<TSelection, int, int> write,
        IProgress<long>? progress, CancellationToken cancellationToken) where TSelection : class, ISelection, IThresholds
    {
        if (queryCount == 0)
            return;
        int dim = store.Dimension;
        int workers = Environment.ProcessorCount;
        int maxBlock = Math.Max(TileQueries, QueryBlockBytes / (store.Quads * sizeof(int)) / TileQueries * TileQueries);
        // A multiple of the workers' count of blocks, so they finish together.
        int blocks = RoundUp((queryCount + maxBlock - 1) / maxBlock, workers);
        int block = RoundUp((queryCount + blocks - 1) / blocks, TileQueries);
        blocks = (queryCount + block - 1) / block;
        int maxCandidates = MaxCandidates(store.Count, k);
        var fallback = new List<int>();
        long done = 0, filtered = 0, overflowed = 0;
        Parallel.For(0, blocks, new ParallelOptions { MaxDegreeOfParallelism = workers },
            () => new BlockState<TSelection>(store, block, maxCandidates), (b, _, state) =>
        {
            int first = b * block;
            int count = Math.Min(block, queryCount - first);
            if (Interlocked.Read(ref overflowed) * 2 > Interlocked.Read(ref filtered))
            {
                // Most queries so far had too many candidates (data with no margin at int8's precision): the int8
                // scan would only add to the exact scan, so the rest go straight to it.
                lock (fallback)
                    fallback.AddRange(Enumerable.Range(first, count));
                return state;
            }
            int padded = RoundUp(count, TileQueries);
            var candidates = state.Candidates;
            candidates.Start(create(padded), count);
            for (int i = 0; i < count; i++)
            {
                var q = queries.AsSpan((first + i) * dim, dim);
                state.QueryScales[i] = Quantize(q, state.Packed.AsSpan(i * store.Quads, store.Quads), out var errors);
                candidates.SetQuery(i, errors, Int8Errors.Bound(errors, store.MaxErrors, dim));
            }
            // Padded queries never take a candidate (their thresholds are +∞); their quads only need to be valid.
            state.Packed.AsSpan(count * store.Quads, (padded - count) * store.Quads).Clear();
            fixed (int* qp = state.Packed)
                Scan(store, qp, padded, state.QueryScales, candidates, cancellationToken);
            if (cancellationToken.IsCancellationRequested)
                return state;
            var selection = create(count);
            int exactCount = 0;
            for (int i = 0; i < count; i++)
            {
                if (!candidates.Overflowed(i))
                    exactCount++;
                else
                {
                    lock (fallback)
                        fallback.Add(first + i);
                }
            }
            // In panel order: each float panel is read from memory once per block and its candidates scored from
            // cache, instead of one cache line per dimension per candidate.
            var pairs = candidates.FinalPairs();
            var scores = state.Scores(pairs.Length);
            fixed (float* q = queries)
                ExactScores(exact, q + (long)first * dim, pairs, scores);
            for (int c = 0; c < pairs.Length; c++)
                selection.Offer((int)pairs[c], scores[c], (int)(pairs[c] >> 32));
            for (int i = 0; i < count; i++)
            {
                if (!candidates.Overflowed(i))
                    write(selection, i, first + i);
            }
            Interlocked.Add(ref filtered, count);
            Interlocked.Add(ref overflowed, count - exactCount);
            progress?.Report(Interlocked.Add(ref done, exactCount));
            return state;
        }, _ => { });
        // The workers stop at the next panel once cancelled; what they left is incomplete.
        cancellationToken.ThrowIfCancellationRequested();
        if (fallback.Count > 0)
            RunExact(exact, queries, fallback, create, merge, write, progress, done, cancellationToken);
    }

    /// <summary>The exact scan for the queries in <paramref name="subset"/> (global indices).</summary>
    private static void RunExact<TSelection>(PanelStore exact, float[] queries, List<int> subset, Func<int, TSelection> create,
        Action<TSelection, int, TSelection, int> merge, Action<TSelection, int, int> write, IProgress<long>? progress, long done,
        CancellationToken cancellationToken) where TSelection : class, ISelection, IThresholds
    {
        int dim = exact.Dimension;
        subset.Sort();
        var gathered = new float[(long)subset.Count * dim];
        for (int i = 0; i < subset.Count; i++)
            queries.AsSpan(subset[i] * dim, dim).CopyTo(gathered.AsSpan(i * dim, dim));
        var scanned = progress is null ? null : new OffsetProgress(progress, done);
        CosineTopK.Run(exact, gathered, subset.Count, create, merge, (selection, local, global) => write(selection, local, subset[global]),
            scanned, cancellationToken);
    }

    /// <summary>
    /// The exact scan's score of each (row, query) pair (row in the high 32 bits, block query in the low): one FMA
    /// chain from d = 0 per pair, as every lane of <see cref="CosineTopK"/>; four pairs at a time, so the chains'
    /// latencies overlap (<see cref="FourChains"/>).
    /// </summary>
    internal static void ExactScores(PanelStore exact, float* queries, ReadOnlySpan<long> pairs, Span<float> scores)
    {
        int dim = exact.Dimension;
        int c = 0;
        fixed (long* p = pairs)
        fixed (float* s = scores)
        {
            for (; c + 4 <= pairs.Length; c += 4)
                FourChains(exact, queries, p + c, s + c);
        }
        for (; c < pairs.Length; c++)
        {
            float* x = RowStart(exact, pairs[c]), q = QueryStart(queries, dim, pairs[c]);
            float sum = 0;
            for (long d = 0, at = 0; d < dim; d++, at += PanelStore.Width)
                sum = MathF.FusedMultiplyAdd(q[d], x[at], sum);
            scores[c] = sum;
        }
    }

    /// <summary>
    /// Four pairs' FMA chains side by side. A method of its own: inlined, the caller's spans took the registers and
    /// the pointers were spilled and reloaded at every step.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void FourChains(PanelStore exact, float* queries, long* pairs, float* scores)
    {
        int dim = exact.Dimension;
        float* x0 = RowStart(exact, pairs[0]), x1 = RowStart(exact, pairs[1]);
        float* x2 = RowStart(exact, pairs[2]), x3 = RowStart(exact, pairs[3]);
        float* q0 = QueryStart(queries, dim, pairs[0]), q1 = QueryStart(queries, dim, pairs[1]);
        float* q2 = QueryStart(queries, dim, pairs[2]), q3 = QueryStart(queries, dim, pairs[3]);
        float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        for (long d = 0, at = 0; d < dim; d++, at += PanelStore.Width)
        {
            s0 = MathF.FusedMultiplyAdd(q0[d], x0[at], s0);
            s1 = MathF.FusedMultiplyAdd(q1[d], x1[at], s1);
            s2 = MathF.FusedMultiplyAdd(q2[d], x2[at], s2);
            s3 = MathF.FusedMultiplyAdd(q3[d], x3[at], s3);
        }
        scores[0] = s0; scores[1] = s1; scores[2] = s2; scores[3] = s3;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float* QueryStart(float* queries, int dim, long pair) => queries + (long)(int)pair * dim;

    /// <summary>Dimension 0 of the pair's row in the float panels; dimension d is <see cref="PanelStore.Width"/> · d floats on.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float* RowStart(PanelStore exact, long pair)
    {
        long row = pair >> 32;
        return exact.Panel(row / PanelStore.Width) + row % PanelStore.Width;
    }

    /// <summary>
    /// Quantizes a query to biased bytes <c>q̂ + 128</c> (q̂ in [−127, 127]), four dimensions per int, and returns its
    /// scale; <paramref name="errors"/> are what its bound takes (<see cref="Int8Errors.Bound"/>).
    /// </summary>
    internal static float Quantize(ReadOnlySpan<float> q, Span<int> quads, out Int8Errors errors)
    {
        float max = 0;
        foreach (float v in q)
            max = Math.Max(max, Math.Abs(v));
        float scale = max > 0 ? max / 127f : 1f, inverse = 1f / scale;
        var measured = new Int8Errors.Accumulator();
        // Padding dimensions carry the bias too: the rows hold 0 there, so they add nothing.
        quads.Fill(unchecked((int)0x80808080));
        for (int d = 0; d < q.Length; d++)
        {
            // Any rounding rule will do: the bound uses the error measured here.
            int v = (int)Math.Clamp(MathF.Round(q[d] * inverse), -127, 127);
            int shift = 8 * (d & 3);
            quads[d / 4] = (quads[d / 4] & ~(0xFF << shift)) | ((v + Int8PanelStore.QueryBias) << shift);
            measured.Add(q[d], (double)scale * v);
        }
        errors = measured.Result();
        return scale;
    }

    /// <summary>Every int8 panel against every tile of the block: panel-outer, so a panel serves the block from cache.</summary>
    private static void Scan<TSelection>(Int8PanelStore store, int* queries, int padded, float[] queryScales,
        CandidateSelection<TSelection> candidates, CancellationToken cancellationToken) where TSelection : ISelection, IThresholds
    {
        int* dots = stackalloc int[TileQueries * PanelStore.Width];
        ulong* passing = stackalloc ulong[TileQueries];
        fixed (float* rowScales = store.Scales, scales = queryScales, thresholds = candidates.Thresholds)
        fixed (float* negatedBelows = candidates.NegatedBelows)
        fixed (int* corrections = store.BiasCorrections)
        {
            for (long p = 0; p < store.Panels && !cancellationToken.IsCancellationRequested; p++)
            {
                sbyte* panel = store.Panel(p);
                long rowBase = p * PanelStore.Width;
                int valid = (int)Math.Min(PanelStore.Width, store.Count - rowBase);
                var screen = new TileScreen(corrections + rowBase, rowScales + rowBase);
                for (int t = 0; t < padded; t += TileQueries)
                {
                    int* q = queries + (long)t * store.Quads;
                    if (AvxVnni.IsSupported)
                        TileVnni(q, store.Quads, panel, dots, screen, scales + t, negatedBelows + t, passing);
                    else
                    {
                        TileScalar(q, store.Quads, panel, screen.Corrections, dots);
                        ScreenScalar(dots, screen, scales + t, negatedBelows + t, passing);
                    }
                    // The screen's FMA gives NaN for a −∞ score at a −∞ threshold; such a query takes every row.
                    for (int r = 0; r < TileQueries; r++)
                    {
                        if (float.IsNegativeInfinity(thresholds[t + r]))
                            passing[r] = ulong.MaxValue;
                    }
                    // Most tiles pass no row once the thresholds have risen: they skip the call.
                    if ((passing[0] | passing[1] | passing[2] | passing[3] | passing[4] | passing[5]) != 0)
                        Offer(dots, screen, scales + t, passing, t, candidates, (int)rowBase, valid);
                }
            }
        }
    }

    /// <summary>What a panel's scores take per row: the bias correction <c>128 Σx̂</c> its sums start from, and its scale.</summary>
    internal readonly struct TileScreen(int* corrections, float* rowScales)
    {
        public int* Corrections { get; } = corrections;

        public float* RowScales { get; } = rowScales;
    }

    /// <summary>
    /// 6 queries × 64 rows of int32 dots <c>q̂ · x̂</c>, 16 rows at a time in 12 ymm accumulators: each starts at
    /// −128 Σx̂ (the bias correction) and takes, per quad of dimensions, the biased products <c>(q̂ + 128) x̂</c> of two
    /// 32-byte loads (8 rows × 4 dimensions each) and 6 broadcasts in 12 <c>vpdpbusd</c>. Integer arithmetic is exact
    /// (every partial sum is within D · 255 · 127 &lt; 2³¹), so every path gives the same dots. The scores are screened
    /// while still in registers: <paramref name="passing"/> gets, per query, the lanes whose approximate score
    /// <c>(float)dot · s_r · s_q</c> may reach the query's threshold (<see cref="Passing"/>; as <see cref="ScreenScalar"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void TileVnni(int* q, int quads, sbyte* panel, int* dots, TileScreen screen, float* queryScales,
        float* negatedBelows, ulong* passing)
    {
        new Span<ulong>(passing, TileQueries).Clear();
        int* q0 = q, q1 = q + quads, q2 = q + 2 * quads, q3 = q + 3 * quads, q4 = q + 4 * quads, q5 = q + 5 * quads;
        for (int lane = 0; lane < PanelStore.Width; lane += TileRows)
        {
            // Starting at the correction saves subtracting it from each query's sums.
            var c0 = -Vector256.Load(screen.Corrections + lane);
            var c1 = -Vector256.Load(screen.Corrections + lane + 8);
            Vector256<int> a00 = c0, a01 = c1, a10 = c0, a11 = c1, a20 = c0, a21 = c1;
            Vector256<int> a30 = c0, a31 = c1, a40 = c0, a41 = c1, a50 = c0, a51 = c1;
            sbyte* b = panel + lane * 4;
            for (int g = 0; g < quads; g++, b += PanelStore.Width * 4)
            {
                var b0 = Vector256.LoadAligned(b);
                var b1 = Vector256.LoadAligned(b + 32);
                var x = Vector256.Create(q0[g]).AsByte();
                a00 = AvxVnni.MultiplyWideningAndAdd(a00, x, b0); a01 = AvxVnni.MultiplyWideningAndAdd(a01, x, b1);
                x = Vector256.Create(q1[g]).AsByte();
                a10 = AvxVnni.MultiplyWideningAndAdd(a10, x, b0); a11 = AvxVnni.MultiplyWideningAndAdd(a11, x, b1);
                x = Vector256.Create(q2[g]).AsByte();
                a20 = AvxVnni.MultiplyWideningAndAdd(a20, x, b0); a21 = AvxVnni.MultiplyWideningAndAdd(a21, x, b1);
                x = Vector256.Create(q3[g]).AsByte();
                a30 = AvxVnni.MultiplyWideningAndAdd(a30, x, b0); a31 = AvxVnni.MultiplyWideningAndAdd(a31, x, b1);
                x = Vector256.Create(q4[g]).AsByte();
                a40 = AvxVnni.MultiplyWideningAndAdd(a40, x, b0); a41 = AvxVnni.MultiplyWideningAndAdd(a41, x, b1);
                x = Vector256.Create(q5[g]).AsByte();
                a50 = AvxVnni.MultiplyWideningAndAdd(a50, x, b0); a51 = AvxVnni.MultiplyWideningAndAdd(a51, x, b1);
            }
            int* d = dots + lane;
            a00.Store(d); a01.Store(d + 8);
            a10.Store(d + PanelStore.Width); a11.Store(d + PanelStore.Width + 8);
            a20.Store(d + 2 * PanelStore.Width); a21.Store(d + 2 * PanelStore.Width + 8);
            a30.Store(d + 3 * PanelStore.Width); a31.Store(d + 3 * PanelStore.Width + 8);
            a40.Store(d + 4 * PanelStore.Width); a41.Store(d + 4 * PanelStore.Width + 8);
            a50.Store(d + 5 * PanelStore.Width); a51.Store(d + 5 * PanelStore.Width + 8);
            var r0 = Vector256.Load(screen.RowScales + lane);
            var r1 = Vector256.Load(screen.RowScales + lane + 8);
            passing[0] |= (ulong)Passing(a00, a01, r0, r1, queryScales[0], negatedBelows[0]) << lane;
            passing[1] |= (ulong)Passing(a10, a11, r0, r1, queryScales[1], negatedBelows[1]) << lane;
            passing[2] |= (ulong)Passing(a20, a21, r0, r1, queryScales[2], negatedBelows[2]) << lane;
            passing[3] |= (ulong)Passing(a30, a31, r0, r1, queryScales[3], negatedBelows[3]) << lane;
            passing[4] |= (ulong)Passing(a40, a41, r0, r1, queryScales[4], negatedBelows[4]) << lane;
            passing[5] |= (ulong)Passing(a50, a51, r0, r1, queryScales[5], negatedBelows[5]) << lane;
        }
    }

    /// <summary>
    /// The 16 lanes of two accumulators whose approximate scores may reach a threshold t: those with
    /// <c>y · s_q − t⁻ ≥ 0</c> (<paramref name="negatedBelow"/> is −t⁻), where <c>y = (float)dot · s_r</c> and t⁻ is the float below t, read from
    /// the sign of one FMA (no compare). Every lane whose score <c>fl(y · s_q)</c> reaches t is among them: were
    /// <c>y · s_q &lt; t⁻</c>, rounding (monotone, t⁻ a float) would give at most t⁻ &lt; t. At a threshold of −∞ a
    /// −∞ score gives NaN (negative here), so the scan sets those queries' masks whole.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ushort Passing(Vector256<int> dots0, Vector256<int> dots1, Vector256<float> rowScales0,
        Vector256<float> rowScales1, float queryScale, float negatedBelow)
    {
        var scale = Vector256.Create(queryScale);
        var below = Vector256.Create(negatedBelow);
        var low = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(dots0) * rowScales0, scale, below);
        var high = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(dots1) * rowScales1, scale, below);
        return (ushort)~(low.ExtractMostSignificantBits() | (high.ExtractMostSignificantBits() << 8));
    }

    /// <summary>The same integer dots one at a time: the definition <see cref="TileVnni"/> is tested against.</summary>
    internal static void TileScalar(int* q, int quads, sbyte* panel, int* corrections, int* dots)
    {
        for (int r = 0; r < TileQueries; r++)
        {
            for (int lane = 0; lane < PanelStore.Width; lane++)
            {
                int s = -corrections[lane];
                for (int g = 0; g < quads; g++)
                {
                    int packed = q[r * quads + g];
                    sbyte* x = panel + (long)g * PanelStore.Width * 4 + lane * 4;
                    for (int j = 0; j < 4; j++)
                        s += ((packed >> (8 * j)) & 0xFF) * x[j];
                }
                dots[r * PanelStore.Width + lane] = s;
            }
        }
    }

    /// <summary>−t⁻, minus the float below the threshold <paramref name="threshold"/> t: what <see cref="Passing"/> takes.</summary>
    internal static float NegatedBelow(float threshold) => -MathF.BitDecrement(threshold);

    /// <summary>
    /// The definition of the screen <see cref="TileVnni"/> runs in registers, one lane at a time (see
    /// <see cref="Passing"/>): a superset of the lanes whose <see cref="Score"/> reaches the threshold.
    /// </summary>
    internal static void ScreenScalar(int* dots, TileScreen screen, float* queryScales, float* negatedBelows, ulong* passing)
    {
        for (int r = 0; r < TileQueries; r++)
        {
            passing[r] = 0;
            for (int lane = 0; lane < PanelStore.Width; lane++)
            {
                float y = (float)dots[r * PanelStore.Width + lane] * screen.RowScales[lane];
                if (!float.IsNegative(MathF.FusedMultiplyAdd(y, queryScales[r], negatedBelows[r])))
                    passing[r] |= 1UL << lane;
            }
        }
    }

    /// <summary>The approximate score of one lane: <c>(float)dot · s_r · s_q</c>, in the screen's order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static float Score(int* dots, TileScreen screen, float queryScale, int lane) =>
        (float)dots[lane] * screen.RowScales[lane] * queryScale;

    /// <summary>Offers the tile's passing scores (of valid rows) to their queries' candidates.</summary>
    private static void Offer<TSelection>(int* dots, TileScreen screen, float* queryScales, ulong* passing, int queryBase,
        CandidateSelection<TSelection> candidates, int rowBase, int valid) where TSelection : ISelection, IThresholds
    {
        ulong validMask = valid >= 64 ? ulong.MaxValue : (1UL << valid) - 1;
        for (int r = 0; r < TileQueries; r++)
        {
            ulong lanes = passing[r] & validMask;
            if (lanes != 0)
                candidates.Offer(queryBase + r, lanes, rowBase, dots + r * PanelStore.Width, screen, queryScales[r]);
        }
    }

    /// <summary>One worker's buffers, reused from block to block.</summary>
    private sealed class BlockState<TSelection>(Int8PanelStore store, int block, int maxCandidates)
        where TSelection : class, ISelection, IThresholds
    {
        private float[] _scores = [];

        public CandidateSelection<TSelection> Candidates { get; } = new(store, RoundUp(block, TileQueries), maxCandidates);

        /// <summary>The block's queries, quantized and packed (<see cref="Quantize"/>).</summary>
        public int[] Packed { get; } = new int[RoundUp(block, TileQueries) * store.Quads];

        public float[] QueryScales { get; } = new float[RoundUp(block, TileQueries)];

        /// <summary>Room for <paramref name="count"/> exact scores.</summary>
        public Span<float> Scores(int count)
        {
            if (_scores.Length < count)
                _scores = new float[Math.Max(count, 2 * _scores.Length)];
            return _scores.AsSpan(0, count);
        }
    }

    private static int RoundUp(int value, int multiple) => (value + multiple - 1) / multiple * multiple;

    /// <summary>Reports the exact scan's running count after the queries the prefilter finished, on the reporting thread.</summary>
    private sealed class OffsetProgress(IProgress<long> inner, long offset) : IProgress<long>
    {
        public void Report(long value) => inner.Report(offset + value);
    }
}
