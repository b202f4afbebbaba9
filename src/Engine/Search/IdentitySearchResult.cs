namespace Engine.Search;

/// <summary>
/// The answer of <see cref="CosineIndex.SearchIdentities(ReadOnlySpan{float}, int, IProgress{long}?)"/>:
/// for each query its <see cref="K"/> best distinct identities, each scored by its best row, best first.
/// </summary>
/// <param name="Scores">Query-major, <c>Queries × K</c>: each identity's best score, descending within a query.</param>
/// <param name="Identities">Query-major, <c>Queries × K</c>: the identity labels; −1 (score float.MinValue) where fewer than K identities exist.</param>
/// <param name="Ids">Query-major, <c>Queries × K</c>: the id of the row that gave each identity its score.</param>
/// <param name="Queries">The number of queries.</param>
/// <param name="K">Identities per query.</param>
public sealed record IdentitySearchResult(float[] Scores, int[] Identities, long[] Ids, int Queries, int K);
