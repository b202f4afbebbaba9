namespace Engine.Search;

/// <summary>
/// The answer of <see cref="ICosineIndex.Search(ReadOnlySpan{float}, int, IProgress{long}?, CancellationToken)"/>:
/// for each query its <see cref="K"/> best rows, best first, laid out like FAISS's <c>(D, I)</c> arrays.
/// </summary>
/// <param name="Scores">Query-major, <c>Queries × K</c>: the float32 dot products, descending within a query.</param>
/// <param name="Ids">Query-major, <c>Queries × K</c>: the ids of those rows; −1 (with score float.MinValue, −3.4e38) where the index holds fewer than K rows, as FAISS pads.</param>
/// <param name="Queries">The number of queries.</param>
/// <param name="K">Results per query.</param>
public sealed record SearchResult(float[] Scores, long[] Ids, int Queries, int K);
