namespace Engine.Search;

/// <summary>
/// A <see cref="CosineIndex"/> searched by its int8 scan (<see cref="CosineIndex.SearchApproximate"/>): the same
/// results bit for bit, found by scanning an int8 copy of the rows and re-scoring exactly only the rows the int8
/// error bound cannot exclude, for searches of any size (a plain <see cref="CosineIndex"/> does so on large ones);
/// CPU only. The rows, ids and file are the wrapped index's; the int8 copy is made as rows are added.
/// </summary>
public sealed class Int8CosineIndex : ICosineIndex
{
    private readonly CosineIndex _index;

    /// <summary>Creates an empty index of <paramref name="dimension"/>-dimensional rows.</summary>
    /// <param name="dimension">Floats per embedding.</param>
    /// <param name="normalize">L2-normalize every added row and every query.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="dimension"/> is not in [1, <see cref="CosineIndex.MaxDimension"/>].</exception>
    public Int8CosineIndex(int dimension, bool normalize = false) : this(new CosineIndex(dimension, normalize))
    {
    }

    private Int8CosineIndex(CosineIndex index) => _index = index;

    /// <inheritdoc/>
    public int Dimension => _index.Dimension;

    /// <inheritdoc/>
    public bool Normalize => _index.Normalize;

    /// <inheritdoc/>
    public long Count => _index.Count;

    /// <inheritdoc/>
    public bool HasIds => _index.HasIds;

    /// <summary>Reads an index saved by any <see cref="ICosineIndex"/>.</summary>
    /// <param name="path">The file.</param>
    /// <exception cref="InvalidDataException">The file is not an index file, is truncated or corrupt.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static Int8CosineIndex Load(string path) => new(CosineIndex.Load(path));

    /// <inheritdoc/>
    public void Add(ReadOnlySpan<float> embeddings, ReadOnlySpan<long> ids = default, ReadOnlySpan<int> identities = default,
        CancellationToken cancellationToken = default) =>
        _index.Add(embeddings, ids, identities, cancellationToken);

    /// <inheritdoc/>
    public SearchResult Search(ReadOnlySpan<float> queries, int k, IProgress<long>? progress = null, CancellationToken cancellationToken = default) =>
        _index.SearchApproximate(queries, k, ApproximateScan.Int8, progress, cancellationToken);

    /// <inheritdoc/>
    public void Search(ReadOnlySpan<float> queries, int k, Span<float> scores, Span<long> ids, IProgress<long>? progress = null,
        CancellationToken cancellationToken = default)
    {
        var result = Search(queries, k, progress, cancellationToken);
        CosineIndex.CheckResultSpans(scores, ids, result.Queries, k);
        result.Scores.CopyTo(scores);
        result.Ids.CopyTo(ids);
    }

    /// <inheritdoc/>
    public long Remove(ReadOnlySpan<long> ids) => _index.Remove(ids);

    /// <inheritdoc/>
    public void Reset() => _index.Reset();

    /// <inheritdoc/>
    public void Save(string path) => _index.Save(path);

    /// <summary>Frees the rows and the int8 copy.</summary>
    public void Dispose() => _index.Dispose();
}
