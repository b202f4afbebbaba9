namespace Engine.Search;

/// <summary>
/// Float32 embeddings searched by inner product (cosine on normalized rows), in FAISS's shape: add, search, remove,
/// reset, save (and a static <c>Load</c> on each implementation). Every implementation gives the same scores and
/// ids, bit for bit, in the same total order (score descending, then id ascending):
/// <see cref="CosineIndex"/> (exact, CPU SIMD), <see cref="Int8CosineIndex"/> (an int8 scan, then exact re-scoring)
/// and <see cref="DeviceCosineIndex"/> (rows resident on an ILGPU accelerator). All save the same file
/// (<see cref="CosineIndexFile"/>), so one can load what another saved.
/// </summary>
public interface ICosineIndex : IDisposable
{
    /// <summary>Floats per embedding.</summary>
    int Dimension { get; }

    /// <summary>Whether rows and queries are L2-normalized.</summary>
    bool Normalize { get; }

    /// <summary>Rows in the index (FAISS's <c>ntotal</c>).</summary>
    long Count { get; }

    /// <summary>True when rows carry their own ids (given to <see cref="Add"/>), false when ids are positions.</summary>
    bool HasIds { get; }

    /// <summary>Adds rows; see <see cref="CosineIndex.Add"/> for the rules on ids and identities.</summary>
    /// <param name="embeddings">Row-major, a multiple of <see cref="Dimension"/> floats.</param>
    /// <param name="ids">One id per row, or empty to number rows by position.</param>
    /// <param name="identities">One non-negative identity label per row, or empty.</param>
    /// <param name="cancellationToken">Stops the add, leaving the index as it was; it then throws <see cref="OperationCanceledException"/>.</param>
    void Add(ReadOnlySpan<float> embeddings, ReadOnlySpan<long> ids = default, ReadOnlySpan<int> identities = default,
        CancellationToken cancellationToken = default);

    /// <summary>The k rows with the largest dot product with each query, best first; missing results are (float.MinValue, −1).</summary>
    /// <param name="queries">Row-major, a multiple of <see cref="Dimension"/> floats.</param>
    /// <param name="k">Results per query, 1 … <see cref="CosineIndex.MaxK"/>.</param>
    /// <param name="progress">Receives the running number of queries done.</param>
    /// <param name="cancellationToken">Stops the search; it then throws <see cref="OperationCanceledException"/>.</param>
    SearchResult Search(ReadOnlySpan<float> queries, int k, IProgress<long>? progress = null, CancellationToken cancellationToken = default);

    /// <summary>As <see cref="Search(ReadOnlySpan{float}, int, IProgress{long}?, CancellationToken)"/>, into the caller's spans (at least queries × k each).</summary>
    /// <param name="queries">Row-major, a multiple of <see cref="Dimension"/> floats.</param>
    /// <param name="k">Results per query, 1 … <see cref="CosineIndex.MaxK"/>.</param>
    /// <param name="scores">Receives the scores, query-major.</param>
    /// <param name="ids">Receives the ids, query-major.</param>
    /// <param name="progress">Receives the running number of queries done.</param>
    /// <param name="cancellationToken">Stops the search; it then throws <see cref="OperationCanceledException"/>.</param>
    void Search(ReadOnlySpan<float> queries, int k, Span<float> scores, Span<long> ids, IProgress<long>? progress = null,
        CancellationToken cancellationToken = default);

    /// <summary>Removes the rows with the given ids (FAISS's <c>remove_ids</c>); unknown ids are ignored. Returns the number removed.</summary>
    /// <param name="ids">Ids to remove.</param>
    long Remove(ReadOnlySpan<long> ids);

    /// <summary>Removes every row (FAISS's <c>reset</c>).</summary>
    void Reset();

    /// <summary>Writes the index to <paramref name="path"/> (<see cref="CosineIndexFile"/>), whole or not at all.</summary>
    /// <param name="path">The file to write.</param>
    void Save(string path);
}
