namespace Engine.Search;

/// <summary>
/// Exact inner-product (cosine, on normalized vectors) top-k search over float32 embeddings: a drop-in for FAISS's
/// <c>IndexFlatIP</c> (<c>add</c>, <c>search(queries, k) → (scores, ids)</c>, <c>remove_ids</c>, <c>reset</c>,
/// save/load), plus identity ranking (<see cref="SearchIdentities"/>).
/// </summary>
/// <remarks>
/// <para>Results are in a total order: score descending, then id ascending. This equals FAISS's order except among
/// exactly equal scores, whose order in FAISS depends on the order rows arrive in its heap.</para>
/// <para>Rows are packed at <see cref="Add"/> into the micro-kernel's panel layout (native memory; a database may
/// exceed a .NET array); a search never materializes the query × database score matrix, it keeps only k results
/// per query.</para>
/// <para>Ids: rows added without ids are numbered by position, as in <c>IndexFlatIP</c> (after <see cref="Remove"/>
/// the rows behind a removed one move up and are renumbered, as FAISS does); rows added with ids keep them, as in
/// <c>IndexIDMap</c>. One index uses one of the two. Not thread-safe for writes; searches may run concurrently.</para>
/// </remarks>
public sealed class CosineIndex : ICosineIndex
{
    /// <summary>The largest k: FAISS's GPU indexes stop at 2048 too, and beyond it a top-k is a sort.</summary>
    public const int MaxK = 2048;

    /// <summary>The largest dimension; the micro-kernel's panel of 64 rows stays within 2 MB of L2 up to here.</summary>
    public const int MaxDimension = 8192;

    /// <summary>Rows an <see cref="Add"/> copies between looks at its cancellation token.</summary>
    private const int CancellationCheckRows = 4096;

    private PanelStore _store;
    private List<long>? _ids;
    private List<int>? _identities;
    private Int8PanelStore? _int8;
    private readonly Lock _int8Gate = new();

    /// <summary>Creates an empty index of <paramref name="dimension"/>-dimensional rows.</summary>
    /// <param name="dimension">Floats per embedding.</param>
    /// <param name="normalize">L2-normalize every added row and every query (as <c>faiss.normalize_L2</c>), so scores are cosine similarities.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="dimension"/> is not in [1, <see cref="MaxDimension"/>].</exception>
    public CosineIndex(int dimension, bool normalize = false)
    {
        if (dimension < 1 || dimension > MaxDimension)
            throw new ArgumentOutOfRangeException(nameof(dimension), dimension, $"The dimension must be in [1, {MaxDimension}].");
        Dimension = dimension;
        Normalize = normalize;
        _store = new PanelStore(dimension);
    }

    /// <summary>Floats per embedding.</summary>
    public int Dimension { get; }

    /// <summary>Whether rows and queries are L2-normalized.</summary>
    public bool Normalize { get; }

    /// <summary>Rows in the index (FAISS's <c>ntotal</c>).</summary>
    public long Count => _store.Count;

    /// <summary>True when rows carry their own ids (given to <see cref="Add"/>), false when ids are positions.</summary>
    public bool HasIds => _ids is not null;

    /// <summary>True when rows carry identity labels, so <see cref="SearchIdentities"/> can run.</summary>
    public bool HasIdentities => _identities is not null;

    internal PanelStore Store => _store;

    /// <summary>The rows' ids in row order, or null when ids are positions.</summary>
    internal List<long>? RowIds => _ids;

    /// <summary>Adds rows.</summary>
    /// <param name="embeddings">Row-major, a multiple of <see cref="Dimension"/> floats.</param>
    /// <param name="ids">One id per row, or empty to number rows by position. Every call of one index gives ids, or none does.</param>
    /// <param name="identities">One non-negative identity label per row (for <see cref="SearchIdentities"/>), or empty. Every call gives them, or none does.</param>
    /// <exception cref="ArgumentException">The length is not a multiple of the dimension; a row holds NaN or ±∞ (the message names the row);
    /// with normalization a row is all zeros; ids or identities have the wrong length, an identity is negative,
    /// or the call gives ids (identities) where earlier calls did not, or the other way round.</exception>
    /// <param name="cancellationToken">Checked every 4,096 rows; a cancelled Add throws <see cref="OperationCanceledException"/> and leaves the index as it was.</param>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public void Add(ReadOnlySpan<float> embeddings, ReadOnlySpan<long> ids = default, ReadOnlySpan<int> identities = default,
        CancellationToken cancellationToken = default) =>
        AddRows(embeddings, ids, identities, Normalize, cancellationToken);

    /// <summary>Adds rows read from a saved index: stored normalized already, so not normalized again.</summary>
    internal void AddStored(ReadOnlySpan<float> embeddings, ReadOnlySpan<long> ids, ReadOnlySpan<int> identities) =>
        AddRows(embeddings, ids, identities, normalize: false, CancellationToken.None);

    private void AddRows(ReadOnlySpan<float> embeddings, ReadOnlySpan<long> ids, ReadOnlySpan<int> identities, bool normalize,
        CancellationToken cancellationToken)
    {
        int rows = CheckRows(embeddings, "embeddings");
        if (rows == 0)
            return;
        if (!ids.IsEmpty && ids.Length != rows)
            throw new ArgumentException($"ids has {ids.Length} elements but embeddings has {rows} rows; they must match.", nameof(ids));
        if (!identities.IsEmpty && identities.Length != rows)
            throw new ArgumentException($"identities has {identities.Length} elements but embeddings has {rows} rows; they must match.", nameof(identities));
        if (Count > 0 && ids.IsEmpty == HasIds)
            throw new ArgumentException(HasIds
                ? "This index holds rows with ids; every Add must give ids (as FAISS's IndexIDMap requires)."
                : "This index numbers rows by position; rows with ids cannot be added to it (use a new index, as with FAISS's IndexIDMap).", nameof(ids));
        if (Count > 0 && identities.IsEmpty == HasIdentities)
            throw new ArgumentException(HasIdentities
                ? "This index holds identity labels; every Add must give them."
                : "This index holds rows without identity labels; rows with labels cannot be added to it.", nameof(identities));
        for (int i = 0; i < identities.Length; i++)
        {
            if (identities[i] < 0)
                throw new ArgumentException($"identities[{i}] is {identities[i]}; identity labels must be non-negative.", nameof(identities));
        }
        if (checked(Count + rows) > int.MaxValue)
            throw new ArgumentException($"The index would hold {Count + rows} rows; at most {int.MaxValue} are supported.", nameof(embeddings));

        var row = new float[Dimension];
        if (normalize)
        {
            for (int r = 0; r < rows; r++)
                CheckNonZero(embeddings.Slice(r * Dimension, Dimension), r, "embeddings");
        }
        long before = Count;
        _store.Reserve(Count + rows);
        for (int r = 0; r < rows; r++)
        {
            if (r % CancellationCheckRows == 0 && cancellationToken.IsCancellationRequested)
            {
                _store.Truncate(before);
                cancellationToken.ThrowIfCancellationRequested();
            }
            embeddings.Slice(r * Dimension, Dimension).CopyTo(row);
            if (normalize)
                NormalizeRow(row);
            _store.Append(row);
        }
        if (before == 0)
        {
            _ids = ids.IsEmpty ? null : [];
            _identities = identities.IsEmpty ? null : [];
        }
        if (_ids is not null)
            _ids.AddRange(ids);
        if (_identities is not null)
            _identities.AddRange(identities);
        lock (_int8Gate)
        {
            // Quantized here, once per row, so a search finds the int8 copy ready; below the dimension floor only
            // SearchApproximate uses it and makes it at its first call, and from then on it is kept current too.
            if (_int8 is not null || (CosineTopKInt8.IsSupported && Dimension >= MinPrefilterDimension))
                (_int8 ??= new Int8PanelStore(Dimension)).Append(_store);
        }
    }

    /// <summary>
    /// Whether searches here run the int8 prefilter (<see cref="PrefilterPolicy"/>); the environment variable
    /// ENGINE_SEARCH_EXACT=1 makes <see cref="PrefilterPolicy.Never"/> the default, to time the exact scan alone.
    /// </summary>
    internal PrefilterPolicy Prefilter { get; set; } =
        Environment.GetEnvironmentVariable("ENGINE_SEARCH_EXACT") == "1" ? PrefilterPolicy.Never : PrefilterPolicy.Auto;

    /// <summary>
    /// Fewest query × row pairs for which <see cref="PrefilterPolicy.Auto"/> runs the prefilter: below it the scan
    /// takes milliseconds and the prefilter's per-block setup weighs more than it saves.
    /// </summary>
    internal const long MinPrefilterPairs = 1L << 26;

    /// <summary>
    /// Fewest dimensions for which <see cref="PrefilterPolicy.Auto"/> runs the prefilter: the int8 scan halves the
    /// cost that grows with the dimension, while the per-score screening and the re-scoring do not shrink with it;
    /// measured (performance.md) a gain at 128 and 512 dimensions and none at 64.
    /// </summary>
    internal const int MinPrefilterDimension = 128;

    private bool UsesPrefilter(int queryCount) => Prefilter switch
    {
        PrefilterPolicy.Always => true,
        PrefilterPolicy.Auto => CosineTopKInt8.IsSupported && Dimension >= MinPrefilterDimension
            && (long)queryCount * Count >= MinPrefilterPairs,
        _ => false,
    };

    /// <summary>The int8 copy of the rows, made now if a change dropped it.</summary>
    private Int8PanelStore Quantized()
    {
        lock (_int8Gate)
            return _int8 ??= new Int8PanelStore(_store);
    }

    /// <summary>The k rows with the largest dot product with each query, best first (FAISS's <c>search</c>).</summary>
    /// <param name="queries">Row-major, a multiple of <see cref="Dimension"/> floats; normalized first when <see cref="Normalize"/>.</param>
    /// <param name="k">Results per query, 1 … <see cref="MaxK"/>. When the index holds fewer rows, the missing results are (float.MinValue, −1), as in FAISS.</param>
    /// <param name="progress">Receives the running number of queries done.</param>
    /// <param name="compute">Where to run; null runs the CPU SIMD path (on large searches where the CPU has AVX-VNNI, through the
    /// int8 prefilter: see <see cref="SearchApproximate"/>). Every backend gives the same scores and ids. With a kernel
    /// backend the rows are uploaded for this call only: to search them repeatedly on a device, use <see cref="DeviceCosineIndex"/>.</param>
    /// <param name="cancellationToken">Stops the search within a panel of rows (64) per worker; it then throws <see cref="OperationCanceledException"/>.</param>
    /// <returns>Scores and ids, query-major.</returns>
    /// <exception cref="ArgumentException">The queries' length is not a multiple of the dimension, or a query holds NaN/±∞ or (with normalization) is all zeros; the message names the query.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="k"/> is not in [1, <see cref="MaxK"/>].</exception>
    /// <exception cref="InvalidOperationException">The index is empty.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public SearchResult Search(ReadOnlySpan<float> queries, int k, IProgress<long>? progress = null, ComputeContext? compute = null,
        CancellationToken cancellationToken = default)
    {
        CheckK(k);
        int count = queries.Length / Dimension;
        var scores = new float[(long)count * k];
        var ids = new long[(long)count * k];
        Search(queries, k, scores, ids, progress, compute, cancellationToken);
        return new SearchResult(scores, ids, count, k);
    }

    /// <summary>As <see cref="Search(ReadOnlySpan{float}, int, IProgress{long}?, ComputeContext?, CancellationToken)"/>, into the caller's spans.</summary>
    /// <param name="queries">Row-major, a multiple of <see cref="Dimension"/> floats; normalized first when <see cref="Normalize"/>.</param>
    /// <param name="k">Results per query, 1 … <see cref="MaxK"/>.</param>
    /// <param name="scores">Receives the scores, query-major: at least <c>queries × k</c> floats.</param>
    /// <param name="ids">Receives the ids, query-major: at least <c>queries × k</c> longs.</param>
    /// <param name="progress">Receives the running number of queries done.</param>
    /// <param name="compute">Where to run; null runs the CPU SIMD path.</param>
    /// <param name="cancellationToken">Stops the search; it then throws <see cref="OperationCanceledException"/>.</param>
    /// <exception cref="ArgumentException">As for the allocating overload, or <paramref name="scores"/> or <paramref name="ids"/> is shorter than <c>queries × k</c>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="k"/> is not in [1, <see cref="MaxK"/>].</exception>
    /// <exception cref="InvalidOperationException">The index is empty.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public unsafe void Search(ReadOnlySpan<float> queries, int k, Span<float> scores, Span<long> ids, IProgress<long>? progress = null,
        ComputeContext? compute = null, CancellationToken cancellationToken = default)
    {
        var (prepared, count) = PrepareQueries(queries, k);
        CheckResultSpans(scores, ids, count, k);
        if (count == 0)
            return;
        if (compute is { UsesKernels: true })
        {
            using var launch = compute.BeginLaunch();
            var panels = launch.Allocate<float>(_store.Panels * _store.PanelLength);
            CosineTopK.UploadPanels(launch, _store, 0, panels.View);
            var rowIds = launch.Upload<long>(_ids is null ? [] : CollectionsMarshal.AsSpan(_ids));
            var rows = new int[(long)count * k];
            CosineTopK.RunKernel(launch, panels.View, Dimension, (int)Count, rowIds.View, HasIds, prepared, k, scores, rows, progress, cancellationToken);
            ResolveRows(rows, scores, ids);
            return;
        }
        fixed (float* scoresAt = scores)
        fixed (long* idsAt = ids)
        {
            nint scoresPointer = (nint)scoresAt, idsPointer = (nint)idsAt;
            SearchRows(prepared, count, k, UsesPrefilter(count), (selection, local, global) => selection.Write(local,
                new Span<float>((float*)scoresPointer + (long)global * k, k), new Span<long>((long*)idsPointer + (long)global * k, k)),
                progress, cancellationToken);
        }
    }

    /// <summary>The CPU search for rows: the int8 prefilter or the exact scan, the same results either way.</summary>
    private void SearchRows(float[] prepared, int count, int k, bool prefilter, Action<TopKSelection, int, int> write,
        IProgress<long>? progress, CancellationToken cancellationToken)
    {
        var rowIds = _ids;
        Func<int, TopKSelection> create = n => new TopKSelection(n, k, rowIds);
        Action<TopKSelection, int, TopKSelection, int> merge = static (source, i, target, j) => source.MergeInto(i, target, j);
        if (prefilter)
            CosineTopKInt8.Run(_store, Quantized(), prepared, count, k, create, merge, write, progress, cancellationToken);
        else
            CosineTopK.Run(_store, prepared, count, create, merge, write, progress, cancellationToken);
    }

    SearchResult ICosineIndex.Search(ReadOnlySpan<float> queries, int k, IProgress<long>? progress, CancellationToken cancellationToken) =>
        Search(queries, k, progress, null, cancellationToken);

    void ICosineIndex.Search(ReadOnlySpan<float> queries, int k, Span<float> scores, Span<long> ids, IProgress<long>? progress,
        CancellationToken cancellationToken) =>
        Search(queries, k, scores, ids, progress, null, cancellationToken);

    /// <summary>Turns a kernel's row positions into ids; a missing result (row −1) becomes (float.MinValue, −1), as FAISS pads.</summary>
    internal void ResolveRows(ReadOnlySpan<int> rows, Span<float> scores, Span<long> ids)
    {
        for (int i = 0; i < rows.Length; i++)
        {
            if (rows[i] < 0)
            {
                scores[i] = float.MinValue;
                ids[i] = -1;
            }
            else
            {
                ids[i] = IdAt(rows[i]);
            }
        }
    }

    /// <summary>Checks that the caller's result spans hold <paramref name="count"/> × <paramref name="k"/> entries.</summary>
    internal static void CheckResultSpans(Span<float> scores, Span<long> ids, int count, int k)
    {
        long needed = (long)count * k;
        if (scores.Length < needed)
            throw new ArgumentException($"scores has {scores.Length} elements but {count} queries × k {k} = {needed} are needed.", nameof(scores));
        if (ids.Length < needed)
            throw new ArgumentException($"ids has {ids.Length} elements but {count} queries × k {k} = {needed} are needed.", nameof(ids));
    }

    /// <summary>
    /// The same results as <see cref="Search(ReadOnlySpan{float}, int, IProgress{long}?, ComputeContext?, CancellationToken)"/>, bit for bit, always through the int8 prefilter: an int8 copy
    /// of the rows (a quarter of the float rows' bytes, made as rows are added) is scanned with AVX-VNNI to find, per
    /// query, every row whose exact score can still reach the top k — a proven bound on the int8 error, see
    /// <c>CosineTopKInt8</c> — and only those rows are scored exactly in float32. <see cref="Search(ReadOnlySpan{float}, int, IProgress{long}?, ComputeContext?, CancellationToken)"/> runs
    /// the same prefilter by itself on large searches; this forces it for any size. On a CPU without AVX-VNNI it
    /// runs the exact scan. CPU SIMD path only.
    /// </summary>
    /// <param name="queries">Row-major, a multiple of <see cref="Dimension"/> floats; normalized first when <see cref="Normalize"/>.</param>
    /// <param name="k">Results per query, 1 … <see cref="MaxK"/>; missing results are (float.MinValue, −1).</param>
    /// <param name="scan">The approximate storage scanned.</param>
    /// <param name="progress">Receives the running number of queries done.</param>
    /// <param name="cancellationToken">Stops the scan within a panel of rows per worker; it then throws <see cref="OperationCanceledException"/>.</param>
    /// <returns>Scores and ids, query-major, equal to <see cref="Search(ReadOnlySpan{float}, int, IProgress{long}?, ComputeContext?, CancellationToken)"/>'s.</returns>
    /// <exception cref="ArgumentException">As for <see cref="Search(ReadOnlySpan{float}, int, IProgress{long}?, ComputeContext?, CancellationToken)"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="k"/> is not in [1, <see cref="MaxK"/>], or <paramref name="scan"/> is not a defined value.</exception>
    /// <exception cref="InvalidOperationException">The index is empty.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public SearchResult SearchApproximate(ReadOnlySpan<float> queries, int k, ApproximateScan scan = ApproximateScan.Int8,
        IProgress<long>? progress = null, CancellationToken cancellationToken = default)
    {
        if (scan != ApproximateScan.Int8)
            throw new ArgumentOutOfRangeException(nameof(scan), scan, "The approximate scan must be Int8.");
        var (prepared, count) = PrepareQueries(queries, k);
        var scores = new float[(long)count * k];
        var ids = new long[(long)count * k];
        SearchRows(prepared, count, k, Prefilter == PrefilterPolicy.Always || CosineTopKInt8.IsSupported,
            (selection, local, global) => selection.Write(local, scores.AsSpan(global * k, k), ids.AsSpan(global * k, k)),
            progress, cancellationToken);
        return new SearchResult(scores, ids, count, k);
    }

    /// <summary>Frees the int8 copy after rows are removed; the next prefiltered search makes a new one.</summary>
    private void DropQuantized()
    {
        lock (_int8Gate)
        {
            _int8?.Dispose();
            _int8 = null;
        }
    }

    /// <summary>
    /// The k best distinct identities for each query, each scored by its best row (Happywhale-style ranking):
    /// exactly the identities of the rows in the total order, each kept at its first row. Exact with no
    /// image-level k: the scan keeps the k best identities as it goes. Runs on the CPU SIMD path; on large searches
    /// where the CPU has AVX-VNNI through the int8 prefilter (<c>CosineTopKInt8</c>), which gives the same bits.
    /// </summary>
    /// <param name="queries">Row-major, a multiple of <see cref="Dimension"/> floats; normalized first when <see cref="Normalize"/>.</param>
    /// <param name="k">Identities per query, 1 … <see cref="MaxK"/>; missing ones (fewer identities than k) are (float.MinValue, −1).</param>
    /// <param name="progress">Receives the running number of queries done.</param>
    /// <returns>Scores, identities and the ids of the rows that scored them, query-major.</returns>
    /// <exception cref="ArgumentException">As for <see cref="Search(ReadOnlySpan{float}, int, IProgress{long}?, ComputeContext?, CancellationToken)"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="k"/> is not in [1, <see cref="MaxK"/>].</exception>
    /// <exception cref="InvalidOperationException">The index is empty or its rows carry no identity labels.</exception>
    public IdentitySearchResult SearchIdentities(ReadOnlySpan<float> queries, int k, IProgress<long>? progress = null)
    {
        if (_identities is null && Count > 0)
            throw new InvalidOperationException("The index's rows carry no identity labels; pass identities to Add to search identities.");
        var (prepared, count) = PrepareQueries(queries, k);
        var scores = new float[(long)count * k];
        var identities = new int[(long)count * k];
        var ids = new long[(long)count * k];
        var rowIds = _ids;
        var rowIdentities = _identities!;
        Func<int, IdentitySelection> create = n => new IdentitySelection(n, k, rowIds, rowIdentities);
        Action<IdentitySelection, int, IdentitySelection, int> merge = static (source, i, target, j) => source.MergeInto(i, target, j);
        Action<IdentitySelection, int, int> write = (selection, local, global) => selection.Write(local, scores.AsSpan(global * k, k),
            identities.AsSpan(global * k, k), ids.AsSpan(global * k, k));
        if (UsesPrefilter(count))
            CosineTopKInt8.Run(_store, Quantized(), prepared, count, k, create, merge, write, progress, CancellationToken.None);
        else
            CosineTopK.Run(_store, prepared, count, create, merge, write, progress);
        return new IdentitySearchResult(scores, identities, ids, count, k);
    }

    /// <summary>Removes the rows with the given ids (FAISS's <c>remove_ids</c>); unknown ids are ignored.</summary>
    /// <param name="ids">Ids to remove.</param>
    /// <returns>The number of rows removed.</returns>
    public long Remove(ReadOnlySpan<long> ids)
    {
        var remove = new HashSet<long>(ids.Length);
        foreach (long id in ids)
            remove.Add(id);
        var kept = new PanelStore(Dimension);
        List<long>? keptIds = _ids is null ? null : [];
        List<int>? keptIdentities = _identities is null ? null : [];
        var row = new float[Dimension];
        for (int r = 0; r < Count; r++)
        {
            long id = _ids?[r] ?? r;
            if (remove.Contains(id))
                continue;
            _store.CopyRow(r, row);
            kept.Append(row);
            keptIds?.Add(id);
            keptIdentities?.Add(_identities![r]);
        }
        long removed = Count - kept.Count;
        _store.Dispose();
        _store = kept;
        _ids = keptIds;
        _identities = keptIdentities;
        DropQuantized();
        return removed;
    }

    /// <summary>Removes every row (FAISS's <c>reset</c>); the index then takes rows with or without ids again.</summary>
    public void Reset()
    {
        _store.Clear();
        _ids = null;
        _identities = null;
        DropQuantized();
    }

    /// <summary>Copies row <paramref name="row"/> (as stored: normalized when <see cref="Normalize"/>).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="row"/> is outside [0, <see cref="Count"/>) or <paramref name="destination"/> is shorter than <see cref="Dimension"/>.</exception>
    public void CopyRow(long row, Span<float> destination)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(row);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(row, Count);
        ArgumentOutOfRangeException.ThrowIfLessThan(destination.Length, Dimension, nameof(destination));
        _store.CopyRow(row, destination);
    }

    /// <summary>The id of row <paramref name="row"/>.</summary>
    public long IdAt(long row) => _ids?[(int)row] ?? row;

    /// <summary>The identity label of row <paramref name="row"/>, or −1 without labels.</summary>
    public int IdentityAt(long row) => _identities?[(int)row] ?? -1;

    /// <summary>Writes the index to <paramref name="path"/> (see <see cref="CosineIndexFile"/>).</summary>
    /// <exception cref="IOException">The file cannot be written.</exception>
    public void Save(string path) => CosineIndexFile.Write(this, path);

    /// <summary>Reads an index written by <see cref="Save"/>.</summary>
    /// <exception cref="InvalidDataException">The file is not an index file, is truncated, or was written in another format version.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static CosineIndex Load(string path) => CosineIndexFile.Read(path);

    /// <summary>
    /// L2-normalizes each row of <paramref name="vectors"/> in place as <c>faiss.normalize_L2</c> does: the squared
    /// norm summed in float32, then every element multiplied by the float32 of <c>1.0 / sqrt(norm²)</c>.
    /// </summary>
    /// <remarks>FAISS's summation order depends on how it was compiled, so a norm may differ from FAISS's in the
    /// last bit (measured against FAISS 1.7.3: over 80 % of elements bit-equal, all within a relative 1e-6); the order here is fixed (16 lanes, then a tree),
    /// so the result is the same on every machine.</remarks>
    /// <param name="vectors">Row-major vectors.</param>
    /// <param name="dimension">Floats per row.</param>
    /// <exception cref="ArgumentException">The length is not a multiple of <paramref name="dimension"/>, or a row is all zeros or holds NaN/±∞ (the message names the row).</exception>
    public static void NormalizeL2(Span<float> vectors, int dimension)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(dimension, 1);
        if (vectors.Length % dimension != 0)
            throw new ArgumentException($"vectors has {vectors.Length} floats, not a multiple of the dimension {dimension}.", nameof(vectors));
        for (int r = 0; r < vectors.Length / dimension; r++)
        {
            var row = vectors.Slice(r * dimension, dimension);
            CheckFinite(row, r, "vectors");
            CheckNonZero(row, r, "vectors");
            NormalizeRow(row);
        }
    }

    /// <summary>Checks k and the queries, and returns them normalized when <see cref="Normalize"/>.</summary>
    internal (float[] Queries, int Count) PrepareQueries(ReadOnlySpan<float> queries, int k)
    {
        CheckK(k);
        int count = CheckRows(queries, "queries");
        if (Count == 0)
            throw new InvalidOperationException("The index is empty; Add rows before searching.");
        var prepared = queries.ToArray();
        if (Normalize)
        {
            for (int r = 0; r < count; r++)
            {
                var row = prepared.AsSpan(r * Dimension, Dimension);
                CheckNonZero(row, r, "queries");
                NormalizeRow(row);
            }
        }
        return (prepared, count);
    }

    private static void CheckK(int k)
    {
        if (k < 1 || k > MaxK)
            throw new ArgumentOutOfRangeException(nameof(k), k, $"k must be in [1, {MaxK}] (FAISS's GPU indexes have the same limit).");
    }

    /// <summary>Checks the length and that every value is finite; returns the number of rows.</summary>
    private int CheckRows(ReadOnlySpan<float> data, string name)
    {
        if (data.Length % Dimension != 0)
            throw new ArgumentException($"{name} has {data.Length} floats, not a multiple of the index dimension {Dimension}.", name);
        int rows = data.Length / Dimension;
        for (int r = 0; r < rows; r++)
            CheckFinite(data.Slice(r * Dimension, Dimension), r, name);
        return rows;
    }

    private static void CheckFinite(ReadOnlySpan<float> row, int index, string name)
    {
        // x − x is 0 for every finite x and NaN for NaN and ±∞: one vector test per 16 values on the common path.
        int d = 0;
        for (; d <= row.Length - 16; d += 16)
        {
            var v = Vector512.Create(row.Slice(d, 16));
            if ((v - v) != Vector512<float>.Zero)
                break;
        }
        for (; d < row.Length; d++)
        {
            if (!float.IsFinite(row[d]))
                throw new ArgumentException($"{name} row {index} holds {row[d]} at column {d}; embeddings must be finite.", name);
        }
    }

    private static void CheckNonZero(ReadOnlySpan<float> row, int index, string name)
    {
        if (SquaredNorm(row) == 0)
            throw new ArgumentException($"{name} row {index} is all zeros (or too small to square in float32) and cannot be L2-normalized.", name);
    }

    private static void NormalizeRow(Span<float> row)
    {
        // As faiss::fvec_renorm_L2: the reciprocal in double, rounded to float once, then one multiply per element.
        float scale = (float)(1.0 / MathF.Sqrt(SquaredNorm(row)));
        for (int d = 0; d < row.Length; d++)
            row[d] *= scale;
    }

    /// <summary>
    /// The float32 squared norm in a fixed order: element d goes to lane d mod 16 (a multiply, then an add), then a
    /// pairwise tree over the 16 lanes. Vector512 gives that order whatever the hardware (emulated without AVX-512).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float SquaredNorm(ReadOnlySpan<float> row)
    {
        var lanes = Vector512<float>.Zero;
        int d = 0;
        for (; d <= row.Length - 16; d += 16)
        {
            var v = Vector512.Create(row.Slice(d, 16));
            lanes += v * v;
        }
        if (d < row.Length)
        {
            // The tail padded with zeros: 0 · 0 added to a lane leaves it unchanged.
            Span<float> tail = stackalloc float[16];
            tail.Clear();
            row[d..].CopyTo(tail);
            var v = Vector512.Create((ReadOnlySpan<float>)tail);
            lanes += v * v;
        }
        var half8 = lanes.GetLower() + lanes.GetUpper();
        var half4 = half8.GetLower() + half8.GetUpper();
        var half2 = half4.GetLower() + half4.GetUpper();
        return half2[0] + half2[1];
    }

    /// <summary>Frees the packed rows.</summary>
    public void Dispose()
    {
        _store.Dispose();
        DropQuantized();
    }
}
